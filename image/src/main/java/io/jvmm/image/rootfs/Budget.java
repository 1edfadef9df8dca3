package io.jvmm.image.rootfs;

import io.jvmm.image.rootfs.RootfsLimits.Limit;

/**
 * What one build has used of its {@link RootfsLimits}, summed over its layers. Each check runs
 * before the resource is taken (a file's size before its data is spooled, a path before its
 * directories are made), so a refused build never holds more than the limit.
 */
final class Budget {
    /** Makes the exception for the layer and entry being read. */
    interface Refusal {
        LimitExceededException refuse(Limit limit, String message);
    }

    private final RootfsLimits limits;
    private final Refusal refusal;
    private long unpacked;
    private long entries;
    private long metadata;

    Budget(RootfsLimits limits, Refusal refusal) {
        this.limits = limits;
        this.refusal = refusal;
    }

    /** Bytes unpacked so far: decompressed tar data read, plus the holes of sparse files spooled. */
    long unpacked() {
        return unpacked;
    }

    /** {@code n} more bytes read from a decompressed layer. */
    void read(long n) throws LimitExceededException {
        unpacked += n;
        if (unpacked > limits.unpackedBytes()) {
            throw refuse(Limit.UNPACKED_BYTES, "the layers unpack to more than " + limits.unpackedBytes() + " bytes");
        }
    }

    /** Before a file's data is copied: {@code size} is its expanded size (sparse files included). */
    void file(long size) throws LimitExceededException {
        if (size > limits.unpackedBytes() - unpacked) {
            throw refuse(
                    Limit.UNPACKED_BYTES,
                    "the file's " + size + " bytes would take the layers past " + limits.unpackedBytes()
                            + " unpacked bytes");
        }
    }

    /** After a sparse file was spooled: its holes, now zeros on disk, count as unpacked too. */
    void expanded(long holes) {
        unpacked += holes;
    }

    /** One more node in the tree: a tar entry, or a directory made for one. */
    void entry() throws LimitExceededException {
        if (++entries > limits.entries()) {
            throw refuse(Limit.ENTRIES, "more than " + limits.entries() + " entries over all layers");
        }
    }

    /** A path (or link target) with {@code depth} components and {@code bytes} bytes so far. */
    void path(int depth, long bytes) throws LimitExceededException {
        if (depth > limits.pathDepth()) {
            throw refuse(Limit.PATH_DEPTH, "the path has more than " + limits.pathDepth() + " components");
        }
        if (bytes > limits.pathBytes()) {
            throw refuse(Limit.PATH_BYTES, "the path is longer than " + limits.pathBytes() + " bytes");
        }
    }

    /** One xattr of an entry whose xattrs take {@code entryBytes} so far (names and values). */
    void xattr(String name, int valueBytes, long entryBytes) throws LimitExceededException {
        if (valueBytes > limits.xattrValueBytes()) {
            throw refuse(
                    Limit.XATTR_VALUE_BYTES,
                    "xattr " + name + " has a value of " + valueBytes + " bytes, more than "
                            + limits.xattrValueBytes());
        }
        if (entryBytes > limits.xattrBytesPerEntry()) {
            throw refuse(
                    Limit.XATTR_BYTES_PER_ENTRY,
                    "the entry's xattrs take more than " + limits.xattrBytesPerEntry() + " bytes");
        }
    }

    /** Paths, link targets and xattrs that the tree keeps in memory. */
    void metadata(long bytes) throws LimitExceededException {
        metadata += bytes;
        if (metadata > limits.metadataBytes()) {
            throw refuse(
                    Limit.METADATA_BYTES,
                    "paths, link targets and xattrs take more than " + limits.metadataBytes()
                            + " bytes over all layers");
        }
    }

    /** The headers of one entry, read so far. */
    void header(long bytes) throws LimitExceededException {
        if (bytes > limits.headerBytesPerEntry()) {
            throw refuse(
                    Limit.HEADER_BYTES_PER_ENTRY,
                    "the entry's headers (PAX records, GNU long names, sparse map)" + " take more than "
                            + limits.headerBytesPerEntry() + " bytes");
        }
    }

    private LimitExceededException refuse(Limit limit, String message) {
        return refusal.refuse(limit, message + " (limit RootfsLimits." + limit + ")");
    }
}
