package io.jvmm.image.rootfs;

/**
 * How much one {@link RootfsBuilder} build may take from the host, so that a hostile image (a gzip
 * bomb, a sparse file declaring terabytes, millions of entries, a very deep tree) is refused with a
 * {@link LimitExceededException} instead of filling the disk or the heap. Every count is over all
 * layers of the build. Sizes are checked from the tar headers before any data is copied. The
 * {@code with...} methods return a copy with one limit changed:
 * {@code RootfsLimits.DEFAULT.withUnpackedBytes(16L << 30)}.
 *
 * @param unpackedBytes the layers' tar streams after decompression, summed, with sparse files
 *     counted at their expanded size; bounds the spool file and the decompression work.
 *     Default 8 GiB.
 * @param entries tar entries, plus the parent directories created for paths whose parents are
 *     missing; bounds the tree held in memory (a few hundred bytes per entry). Default 1,000,000.
 * @param pathDepth components of one path ({@code a/b/c} has 3). Default 256.
 * @param pathBytes bytes of one path, as PATH_MAX. Default 4096.
 * @param xattrValueBytes bytes of one xattr value. Default 65535: Linux allows 65536
 *     (XATTR_SIZE_MAX) but EROFS stores the size in 16 bits, so larger values are refused anyway.
 * @param xattrBytesPerEntry names and values of all xattrs of one entry. Default 128 KiB.
 * @param metadataBytes paths, link targets and xattrs of all entries, what the tree keeps in memory
 *     besides its fixed cost per entry. Default 256 MiB.
 * @param headerBytesPerEntry the headers of one entry (ustar, PAX records, GNU long names, sparse
 *     maps), which the tar reader holds in memory. Default 16 MiB.
 */
public record RootfsLimits(
        long unpackedBytes,
        long entries,
        int pathDepth,
        int pathBytes,
        int xattrValueBytes,
        int xattrBytesPerEntry,
        long metadataBytes,
        int headerBytesPerEntry) {

    /** The limits {@code new RootfsBuilder()} uses. */
    public static final RootfsLimits DEFAULT =
            new RootfsLimits(8L << 30, 1_000_000, 256, 4096, 65535, 128 << 10, 256L << 20, 16 << 20);

    /** Which limit an input went past; {@link #toString()} is the record component's name. */
    public enum Limit {
        UNPACKED_BYTES("unpackedBytes"),
        ENTRIES("entries"),
        PATH_DEPTH("pathDepth"),
        PATH_BYTES("pathBytes"),
        XATTR_VALUE_BYTES("xattrValueBytes"),
        XATTR_BYTES_PER_ENTRY("xattrBytesPerEntry"),
        METADATA_BYTES("metadataBytes"),
        HEADER_BYTES_PER_ENTRY("headerBytesPerEntry");

        private final String component;

        Limit(String component) {
            this.component = component;
        }

        /** This limit's value in {@code limits}. */
        public long of(RootfsLimits limits) {
            return switch (this) {
                case UNPACKED_BYTES -> limits.unpackedBytes;
                case ENTRIES -> limits.entries;
                case PATH_DEPTH -> limits.pathDepth;
                case PATH_BYTES -> limits.pathBytes;
                case XATTR_VALUE_BYTES -> limits.xattrValueBytes;
                case XATTR_BYTES_PER_ENTRY -> limits.xattrBytesPerEntry;
                case METADATA_BYTES -> limits.metadataBytes;
                case HEADER_BYTES_PER_ENTRY -> limits.headerBytesPerEntry;
            };
        }

        @Override
        public String toString() {
            return component;
        }
    }

    /** @throws IllegalArgumentException a limit is zero or negative */
    public RootfsLimits {
        positive(Limit.UNPACKED_BYTES, unpackedBytes);
        positive(Limit.ENTRIES, entries);
        positive(Limit.PATH_DEPTH, pathDepth);
        positive(Limit.PATH_BYTES, pathBytes);
        positive(Limit.XATTR_VALUE_BYTES, xattrValueBytes);
        positive(Limit.XATTR_BYTES_PER_ENTRY, xattrBytesPerEntry);
        positive(Limit.METADATA_BYTES, metadataBytes);
        positive(Limit.HEADER_BYTES_PER_ENTRY, headerBytesPerEntry);
    }

    private static void positive(Limit limit, long value) {
        if (value <= 0) throw new IllegalArgumentException("RootfsLimits." + limit + " must be positive: " + value);
    }

    public RootfsLimits withUnpackedBytes(long v) {
        return new RootfsLimits(
                v,
                entries,
                pathDepth,
                pathBytes,
                xattrValueBytes,
                xattrBytesPerEntry,
                metadataBytes,
                headerBytesPerEntry);
    }

    public RootfsLimits withEntries(long v) {
        return new RootfsLimits(
                unpackedBytes,
                v,
                pathDepth,
                pathBytes,
                xattrValueBytes,
                xattrBytesPerEntry,
                metadataBytes,
                headerBytesPerEntry);
    }

    public RootfsLimits withPathDepth(int v) {
        return new RootfsLimits(
                unpackedBytes,
                entries,
                v,
                pathBytes,
                xattrValueBytes,
                xattrBytesPerEntry,
                metadataBytes,
                headerBytesPerEntry);
    }

    public RootfsLimits withPathBytes(int v) {
        return new RootfsLimits(
                unpackedBytes,
                entries,
                pathDepth,
                v,
                xattrValueBytes,
                xattrBytesPerEntry,
                metadataBytes,
                headerBytesPerEntry);
    }

    public RootfsLimits withXattrValueBytes(int v) {
        return new RootfsLimits(
                unpackedBytes,
                entries,
                pathDepth,
                pathBytes,
                v,
                xattrBytesPerEntry,
                metadataBytes,
                headerBytesPerEntry);
    }

    public RootfsLimits withXattrBytesPerEntry(int v) {
        return new RootfsLimits(
                unpackedBytes, entries, pathDepth, pathBytes, xattrValueBytes, v, metadataBytes, headerBytesPerEntry);
    }

    public RootfsLimits withMetadataBytes(long v) {
        return new RootfsLimits(
                unpackedBytes,
                entries,
                pathDepth,
                pathBytes,
                xattrValueBytes,
                xattrBytesPerEntry,
                v,
                headerBytesPerEntry);
    }

    public RootfsLimits withHeaderBytesPerEntry(int v) {
        return new RootfsLimits(
                unpackedBytes, entries, pathDepth, pathBytes, xattrValueBytes, xattrBytesPerEntry, metadataBytes, v);
    }
}
