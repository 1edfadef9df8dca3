package io.jvmm.virtio.blk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** A disk in a byte array, counting flushes, with an injectable I/O failure. */
final class MemoryBlockBackend implements BlockBackend {
    final byte[] data;
    private final boolean readOnly;
    private final boolean discard;
    final AtomicInteger flushes = new AtomicInteger();
    final AtomicInteger reads = new AtomicInteger(), writes = new AtomicInteger();
    volatile boolean failIo;
    volatile boolean closed;

    MemoryBlockBackend(int bytes, boolean readOnly, boolean discard) {
        this.data = new byte[bytes];
        this.readOnly = readOnly;
        this.discard = discard;
    }

    @Override
    public long size() {
        return data.length;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public boolean supportsDiscard() {
        return discard;
    }

    private void check() throws IOException {
        if (failIo) throw new IOException("injected failure");
    }

    @Override
    public synchronized void read(long offset, List<MemorySegment> dst) throws IOException {
        check();
        reads.incrementAndGet();
        for (MemorySegment s : dst) {
            MemorySegment.copy(MemorySegment.ofArray(data), offset, s, 0, s.byteSize());
            offset += s.byteSize();
        }
    }

    @Override
    public synchronized void write(long offset, List<MemorySegment> src) throws IOException {
        check();
        writes.incrementAndGet();
        for (MemorySegment s : src) {
            MemorySegment.copy(s, 0, MemorySegment.ofArray(data), offset, s.byteSize());
            offset += s.byteSize();
        }
    }

    @Override
    public void flush() throws IOException {
        check();
        flushes.incrementAndGet();
    }

    @Override
    public synchronized void discard(long offset, long length) throws IOException {
        check();
        Arrays.fill(data, (int) offset, (int) (offset + length), (byte) 0);
    }

    @Override
    public void writeZeroes(long offset, long length, boolean unmap) throws IOException {
        discard(offset, length);
    }

    @Override
    public void close() {
        closed = true;
    }
}
