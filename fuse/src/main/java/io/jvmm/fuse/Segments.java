package io.jvmm.fuse;

import static java.lang.foreign.ValueLayout.ADDRESS;
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
    private Segments() {}

    static long length(List<MemorySegment> segments) {
        long n = 0;
        for (MemorySegment s : segments) n += s.byteSize();
        return n;
    }

    /** Copies stream bytes {@code [offset, offset + len)} into {@code dst} at {@code dstOffset}; the range must exist. */
    static void read(List<MemorySegment> segments, long offset, byte[] dst, int dstOffset, int len) {
        long pos = 0;
        int done = 0;
        for (MemorySegment s : segments) {
            if (done == len) return;
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
        for (MemorySegment s : segments) {
            if (done == len) return;
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
     * An iovec array in {@code arena} covering {@code [offset, offset + len)} of the stream, at most
     * {@link Libc#IOV_MAX} entries (a longer range is cut short: the caller sees a short transfer).
     * Returns the array; its entry count is {@code byteSize() / IOVEC.byteSize()}. Only native
     * segments (guest RAM) can be handed to the kernel.
     */
    static MemorySegment iovecs(Arena arena, List<MemorySegment> segments, long offset, long len) {
        int count = 0;
        long pos = 0;
        for (MemorySegment s : segments) {
            long start = Math.max(offset, pos), end = Math.min(offset + len, pos + s.byteSize());
            if (start < end) count++;
            pos += s.byteSize();
        }
        count = Math.min(count, Libc.IOV_MAX);
        long entry = Libc.IOVEC.byteSize();
        MemorySegment iov = arena.allocate(Libc.IOVEC, Math.max(count, 1)).asSlice(0, entry * count);
        int i = 0;
        pos = 0;
        for (MemorySegment s : segments) {
            if (i == count) break;
            long start = Math.max(offset, pos), end = Math.min(offset + len, pos + s.byteSize());
            if (start < end) {
                if (!s.isNative())
                    throw new IllegalArgumentException("a heap segment cannot take part in preadv/pwritev");
                iov.set(ADDRESS, entry * i, s.asSlice(start - pos, end - start));
                iov.set(JAVA_LONG, entry * i + 8, end - start);
                i++;
            }
            pos += s.byteSize();
        }
        return iov;
    }
}
