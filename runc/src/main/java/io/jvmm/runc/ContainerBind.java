package io.jvmm.runc;

import java.nio.file.Path;
import java.util.List;

/**
 * A bind mount of config.json: the host path {@code source} at {@code destination} in the container. A
 * directory is shared with the pod's VM at {@code podPath} (a pod bind, through virtio-fs); a file is
 * not (virtio-fs shares directories), so {@code podPath} is null and the container gets it only where
 * its caller places it ({@link BundleTranslator.BindPlacer}).
 *
 * @param index    its index in config.json's {@code mounts}
 * @param source   absolute, resolved against the bundle
 * @param podPath  where the pod's VM sees the directory, null for a file
 * @param options  the mount options, as given
 */
public record ContainerBind(
        int index, Path source, String podPath, String destination, boolean readOnly, List<String> options) {
    public ContainerBind {
        options = List.copyOf(options);
    }

    public boolean directory() {
        return podPath != null;
    }
}
