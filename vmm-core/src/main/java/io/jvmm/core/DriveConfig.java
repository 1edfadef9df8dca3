package io.jvmm.core;

import io.jvmm.virtio.ratelimit.RateLimit;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One virtio-blk drive: a raw image file.
 *
 * @param id       the drive's name: its GET_ID serial, its device thread ({@code virtio-blk-<id>})
 *                 and its key in error messages; letters, digits, '-' and '_', at most 20 bytes
 * @param path     the image (a regular file or a block device)
 * @param readOnly the guest sees a read-only disk and the image is opened read-only
 * @param rateLimit bytes and requests the guest may do per unit of time ({@link RateLimit#UNLIMITED} for none)
 */
public record DriveConfig(String id, Path path, boolean readOnly, RateLimit rateLimit) {
    /** GET_ID answers with at most 20 bytes (VIRTIO_BLK_ID_BYTES). */
    public static final int MAX_ID_LENGTH = 20;

    public DriveConfig {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(path, "path");
        rateLimit = Objects.requireNonNullElse(rateLimit, RateLimit.UNLIMITED);
    }

    /** An unlimited drive. */
    public DriveConfig(String id, Path path, boolean readOnly) { this(id, path, readOnly, RateLimit.UNLIMITED); }

    /** The default id of the {@code index}-th drive: the name Linux gives it (vda, vdb, ...). */
    public static String defaultId(int index) {
        StringBuilder b = new StringBuilder();
        int i = index;
        do {
            b.insert(0, (char) ('a' + i % 26));
            i = i / 26 - 1;
        } while (i >= 0);
        return "vd" + b;
    }
}
