package io.jvmm.core;

import io.jvmm.virtio.blk.BlockBackend;
import io.jvmm.virtio.ratelimit.RateLimit;
import java.nio.file.Path;
import java.util.Objects;

/**
 * One virtio-blk drive: a raw image file, or a {@link BlockBackend} of the embedder's own.
 *
 * <p>A backend given here is handed over: the VM built from the config closes it when the VM closes,
 * and {@link Vm#create}/{@link Vm#restore} close it when they fail. A config holding a backend
 * therefore builds one VM.
 *
 * @param id       the drive's name: its GET_ID serial, its device thread ({@code virtio-blk-<id>})
 *                 and its key in error messages; letters, digits, '-' and '_', at most 20 bytes
 * @param path     the image (a regular file or a block device), opened by the VM; null with a backend
 * @param readOnly the guest sees a read-only disk and the image is opened read-only; with a backend,
 *                 the backend's {@link BlockBackend#readOnly()}
 * @param rateLimit bytes and requests the guest may do per unit of time ({@link RateLimit#UNLIMITED} for none)
 * @param backend  the storage itself, or null to open {@code path}
 */
public record DriveConfig(String id, Path path, boolean readOnly, RateLimit rateLimit, BlockBackend backend) {
    /** GET_ID answers with at most 20 bytes (VIRTIO_BLK_ID_BYTES). */
    public static final int MAX_ID_LENGTH = 20;

    public DriveConfig {
        Objects.requireNonNull(id, "id");
        if ((path == null) == (backend == null))
            throw new IllegalArgumentException(
                    "drive " + id + ": give an image path or a backend, not both or neither");
        if (backend != null && readOnly != backend.readOnly()) {
            throw new IllegalArgumentException(
                    "drive " + id + ": read-only is " + readOnly + " but the backend's is " + backend.readOnly());
        }
        rateLimit = Objects.requireNonNullElse(rateLimit, RateLimit.UNLIMITED);
    }

    /** A drive on the image at {@code path}. */
    public DriveConfig(String id, Path path, boolean readOnly, RateLimit rateLimit) {
        this(id, path, readOnly, rateLimit, null);
    }

    /** An unlimited drive on the image at {@code path}. */
    public DriveConfig(String id, Path path, boolean readOnly) {
        this(id, path, readOnly, RateLimit.UNLIMITED, null);
    }

    /** A drive on {@code backend}, read-only when the backend is; the VM takes it over (see the class comment). */
    public static DriveConfig of(String id, BlockBackend backend, RateLimit rateLimit) {
        return new DriveConfig(id, null, backend.readOnly(), rateLimit, backend);
    }

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
