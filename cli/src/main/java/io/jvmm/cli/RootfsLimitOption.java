package io.jvmm.cli;

import io.jvmm.image.rootfs.RootfsLimits;
import io.jvmm.runtime.state.ByteSize;

/**
 * {@code --rootfs-limit KEY=VALUE}: one of the limits on building a root image from an image's
 * layers (docs/rootfs-images.md, "Resource limits"), over the defaults. Sizes take k, m, g.
 */
final class RootfsLimitOption {
    static final String KEYS =
            "unpacked-bytes, entries, path-depth, path-bytes, xattr-value-bytes, xattr-bytes-per-entry, "
                    + "metadata-bytes, header-bytes-per-entry";

    private RootfsLimitOption() {}

    /** {@code limits} with {@code option} applied; a usage error naming the option otherwise. */
    static RootfsLimits apply(RootfsLimits limits, String option) {
        int eq = option.indexOf('=');
        if (eq <= 0) throw CliException.usage("--rootfs-limit " + option + ": expected KEY=VALUE (keys: " + KEYS + ")");
        String key = option.substring(0, eq), value = option.substring(eq + 1).strip();
        try {
            return switch (key) {
                case "unpacked-bytes" -> limits.withUnpackedBytes(ByteSize.parse(value));
                case "entries" -> limits.withEntries(Long.parseLong(value));
                case "path-depth" -> limits.withPathDepth(Integer.parseInt(value));
                case "path-bytes" -> limits.withPathBytes(Math.toIntExact(ByteSize.parse(value)));
                case "xattr-value-bytes" -> limits.withXattrValueBytes(Math.toIntExact(ByteSize.parse(value)));
                case "xattr-bytes-per-entry" -> limits.withXattrBytesPerEntry(Math.toIntExact(ByteSize.parse(value)));
                case "metadata-bytes" -> limits.withMetadataBytes(ByteSize.parse(value));
                case "header-bytes-per-entry" -> limits.withHeaderBytesPerEntry(Math.toIntExact(ByteSize.parse(value)));
                default ->
                    throw CliException.usage("--rootfs-limit: unknown limit \"" + key + "\" (keys: " + KEYS + ")");
            };
        } catch (ArithmeticException e) {
            throw CliException.usage("--rootfs-limit " + option + ": too large");
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--rootfs-limit " + option + ": " + e.getMessage());
        }
    }
}
