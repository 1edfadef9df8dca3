package io.jvmm.core;

import io.jvmm.fuse.ShareOptions;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One host directory shared with the guest through virtio-fs: the guest mounts it with
 * {@code mount -t virtiofs TAG PATH}. The VM serves it with a FUSE server (io.jvmm.fuse)
 * confined to {@code dir}.
 *
 * @param tag     the name the guest mounts it by: 1 to {@value #MAX_TAG_BYTES} bytes of UTF-8, unique per VM
 * @param dir     the host directory
 * @param options read-only, cache mode, owner mapping and descriptor bounds
 */
public record ShareConfig(String tag, Path dir, ShareOptions options) {
    /** The device's config field {@code tag[36]}. */
    public static final int MAX_TAG_BYTES = 36;

    public ShareConfig {
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(dir, "dir");
        options = options == null ? ShareOptions.defaults() : options;
    }
}
