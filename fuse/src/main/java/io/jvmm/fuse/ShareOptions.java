package io.jvmm.fuse;

import java.util.Objects;

/**
 * How one host directory is shared.
 *
 * @param readOnly     every modifying request is answered with EROFS
 * @param cache        entry/attribute timeouts and page-cache policy
 * @param ids          owner mapping ({@link IdMapping#identity()} as root)
 * @param allowDevices MKNOD may create character and block devices (refused with EPERM otherwise)
 * @param maxNodeFds   the O_PATH descriptors kept for looked-up files: beyond it the least recently
 *                     used are closed and re-opened by name on next use
 * @param maxHandles   open files and directories at once; one more is refused with ENFILE
 */
public record ShareOptions(
        boolean readOnly, CacheMode cache, IdMapping ids, boolean allowDevices, int maxNodeFds, int maxHandles) {
    public static final int DEFAULT_MAX_NODE_FDS = 16_384, DEFAULT_MAX_HANDLES = 4_096;

    public ShareOptions {
        Objects.requireNonNull(cache, "cache");
        Objects.requireNonNull(ids, "ids");
        if (maxNodeFds < 16) throw new IllegalArgumentException("maxNodeFds must be at least 16: " + maxNodeFds);
        if (maxHandles < 1) throw new IllegalArgumentException("maxHandles must be at least 1: " + maxHandles);
    }

    /** Read-write, cache auto, identity ids, no devices, the default bounds. */
    public static ShareOptions defaults() {
        return new ShareOptions(
                false, CacheMode.AUTO, IdMapping.identity(), false, DEFAULT_MAX_NODE_FDS, DEFAULT_MAX_HANDLES);
    }

    public ShareOptions withReadOnly(boolean ro) {
        return new ShareOptions(ro, cache, ids, allowDevices, maxNodeFds, maxHandles);
    }

    public ShareOptions withCache(CacheMode c) {
        return new ShareOptions(readOnly, c, ids, allowDevices, maxNodeFds, maxHandles);
    }

    public ShareOptions withIds(IdMapping m) {
        return new ShareOptions(readOnly, cache, m, allowDevices, maxNodeFds, maxHandles);
    }

    public ShareOptions withDevices(boolean d) {
        return new ShareOptions(readOnly, cache, ids, d, maxNodeFds, maxHandles);
    }

    public ShareOptions withBounds(int nodeFds, int handles) {
        return new ShareOptions(readOnly, cache, ids, allowDevices, nodeFds, handles);
    }
}
