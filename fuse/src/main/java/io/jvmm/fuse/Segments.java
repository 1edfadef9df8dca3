package io.jvmm.fuse;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jvmm.kvm.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

/**
 * A list of memory segments (a descriptor chain's readable or writable buffers) seen as one byte
 * stream: copies in and out, and iovec arrays for preadv/pwritev straight into or out of guest memory.
 */
final class Segments {
    /**
     * Each thread's iovec array for {@link #iovecs}, {@link Libc#IOV_MAX} entries, reused by every
     * request the thread serves; freed with the thread (an automatic arena).
     */
    private static final ThreadLocal<MemorySegment> IOVECS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(Libc.IOVEC, Libc.IOV_MAX));

    private Segments() {}

    static long length(List<MemorySegment> segments) {
        long n = 0;
        for (int i = 0; i < segments.size(); i++) n += segments.get(i).byteSize();
        return n;
    }

    /** Copies stream bytes {@code [offset, offset + len)} into {@code dst} at {@code dstOffset}; the range must exist. */
    static void read(List<MemorySegment> segments, long offset, byte[] dst, int dstOffset, int len) {
        long pos = 0;
        int done = 0;
        for (int i = 0; i < segments.size(); i++) {
            if (done == len) return;
            MemorySegment s = segments.get(i);
            long size = s.byteSize();
            long at = offset + done;
            if (at < pos + size) {
                int k = (int) Math.min(size - (at - pos), len - done);
                MemorySegment.copy(s, ValueLayout.JAVA_BYTE, at - pos, dst, dstOffset + done, k);
                done += k;
            }
            pos += size;
        }
        if (done != len) throw new IndexOutOfBoundsException("stream shorter than " + (offset + len));
    }

    /** Copies {@code len} bytes of {@code src} into the stream at {@code offset}; the range must exist. */
    static void write(List<MemorySegment> segments, long offset, byte[] src, int len) {
        long pos = 0;
        int done = 0;
        for (int i = 0; i < segments.size(); i++) {
            if (done == len) return;
            MemorySegment s = segments.get(i);
            long size = s.byteSize();
            long at = offset + done;
            if (at < pos + size) {
                int k = (int) Math.min(size - (at - pos), len - done);
                MemorySegment.copy(src, done, s, ValueLayout.JAVA_BYTE, at - pos, k);
                done += k;
            }
            pos += size;
        }
        if (done != len) throw new IndexOutOfBoundsException("stream shorter than " + (offset + len));
    }

    /**
     * An iovec array covering {@code [offset, offset + len)} of the stream, at most
     * {@link Libc#IOV_MAX} entries (a longer range is cut short: the caller sees a short transfer).
     * Returns the calling thread's own array, valid until its next call; its entry count is
     * {@code byteSize() / IOVEC.byteSize()}. Only native segments (guest RAM) can be handed to the kernel.
     */
    static MemorySegment iovecs(List<MemorySegment> segments, long offset, long len) {
        MemorySegment iov = IOVECS.get();
        long entry = Libc.IOVEC.byteSize();
        int count = 0;
        long pos = 0;
        for (int k = 0; k < segments.size() && count < Libc.IOV_MAX; k++) {
            MemorySegment s = segments.get(k);
            long size = s.byteSize();
            long start = Math.max(offset, pos), end = Math.min(offset + len, pos + size);
            if (start < end) {
                if (!s.isNative())
                    throw new IllegalArgumentException("a heap segment cannot take part in preadv/pwritev");
                iov.set(JAVA_LONG, entry * count, s.address() + (start - pos));
                iov.set(JAVA_LONG, entry * count + 8, end - start);
                count++;
            }
            pos += size;
            if (pos >= offset + len) break;
        }
        return iov.asSlice(0, entry * count);
    }
}
