package io.jvmm.fuse;

/**
 * How long the guest may trust what the server told it (virtiofsd's {@code --cache}): the timeouts of
 * names and attributes in LOOKUP-type replies, and whether an open file keeps its page cache.
 */
public enum CacheMode {
    /** Names and attributes valid for a second; file data cached until the file's attributes change. */
    AUTO(1, 0, 0),
    /** Nothing cached: every name is looked up again, every read and write goes to the host (direct I/O). */
    NEVER(0, FuseAbi.FOPEN_DIRECT_IO, 0),
    /** The guest owns the cache: a day of validity, page cache kept across opens, directories cached. */
    ALWAYS(86_400, FuseAbi.FOPEN_KEEP_CACHE, FuseAbi.FOPEN_KEEP_CACHE | FuseAbi.FOPEN_CACHE_DIR);

    final long timeoutSeconds;
    final int fileOpenFlags;
    final int dirOpenFlags;

    CacheMode(long timeoutSeconds, int fileOpenFlags, int dirOpenFlags) {
        this.timeoutSeconds = timeoutSeconds;
        this.fileOpenFlags = fileOpenFlags;
        this.dirOpenFlags = dirOpenFlags;
    }

    /** The mode named {@code name} ({@code auto}, {@code never}, {@code always}), with a one-line error otherwise. */
    public static CacheMode parse(String name) {
        for (CacheMode m : values()) {
            if (m.name().equalsIgnoreCase(name)) return m;
        }
        throw new IllegalArgumentException("cache mode '" + name + "' is not one of auto, never, always");
    }
}
