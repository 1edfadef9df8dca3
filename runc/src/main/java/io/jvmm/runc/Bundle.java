package io.jvmm.runc;

import java.nio.file.Path;
import java.util.Objects;

/**
 * An OCI bundle that {@link BundleReader} read and checked.
 *
 * @param dir    the bundle directory, absolute
 * @param rootfs the container's root directory ({@code root.path} resolved against {@code dir}), real path
 * @param spec   its config.json
 */
public record Bundle(Path dir, Path rootfs, OciSpec spec) {
    public Bundle {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(rootfs, "rootfs");
        Objects.requireNonNull(spec, "spec");
    }
}
