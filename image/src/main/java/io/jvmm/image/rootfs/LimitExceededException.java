package io.jvmm.image.rootfs;

import java.nio.file.Path;

/**
 * A layer goes past one of the build's {@link RootfsLimits}: too large unpacked, too many entries,
 * a path too deep or too long, too many xattr bytes, too large headers. The whole conversion is
 * refused; no image is written. The message names the layer, the entry and the limit.
 */
public class LimitExceededException extends RootfsException {
    private static final long serialVersionUID = 1L;

    private final RootfsLimits.Limit limit;

    public LimitExceededException(int layerIndex, Path layer, String entry, RootfsLimits.Limit limit, String message) {
        super(layerIndex, layer, entry, message, null);
        this.limit = limit;
    }

    /** The limit that was exceeded. */
    public RootfsLimits.Limit limit() {
        return limit;
    }
}
