package io.jvmm.virtio.blk;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The storage behind a virtio-blk device: a raw image. Offsets and lengths are bytes and have been
 * checked against {@link #size()} by the device; buffers are views of guest RAM (vectored, so a
 * backend can hand them to preadv/pwritev without copying).
 */
public interface BlockBackend extends AutoCloseable {
    /** Bytes of the image. */
    long size();

    /** True when writes must be refused. */
    boolean readOnly();

    /** Fills {@code dst} with the image's bytes from {@code offset} onwards. */
    void read(long offset, List<MemorySegment> dst) throws IOException;

    /** Writes {@code src} to the image from {@code offset} onwards. */
    void write(long offset, List<MemorySegment> src) throws IOException;

    /** Makes every completed write durable (fdatasync). */
    void flush() throws IOException;

    /** Whether {@link #discard} and {@link #writeZeroes} can free space. */
    default boolean supportsDiscard() {
        return false;
    }

    /** The range's content is no longer needed; it may read back as anything (here: zeroes). */
    void discard(long offset, long length) throws IOException;

    /** The range reads back as zeroes; {@code unmap} allows freeing its space. */
    void writeZeroes(long offset, long length, boolean unmap) throws IOException;

    @Override
    void close() throws IOException;
}
