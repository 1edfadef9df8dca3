package io.jvmm.image.rootfs;

import java.nio.file.Path;

/**
 * A layer entry whose path (or hard-link target) would leave the root: a {@code ..} component, an
 * absolute path, or a path that goes through a symbolic link created by an earlier entry or layer.
 * The whole conversion is refused; no image is written.
 */
public class UnsafeEntryException extends RootfsException {
    private static final long serialVersionUID = 1L;

    public UnsafeEntryException(int layerIndex, Path layer, String entry, String message) {
        super(layerIndex, layer, entry, message, null);
    }
}
