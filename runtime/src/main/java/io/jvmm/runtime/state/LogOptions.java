package io.jvmm.runtime.state;

/**
 * How much of a VM's logs (workload output, serial console) stays on disk: at most {@code maxFiles}
 * files of {@code maxFileBytes} each per log, docker's {@code --log-opt max-size=... --log-opt max-file=...}.
 *
 * @param maxFileBytes one file's limit; at least {@link #MIN_FILE_BYTES}, so a workload record always fits
 * @param maxFiles     files kept per log, the current one included (1 to 100)
 */
public record LogOptions(long maxFileBytes, int maxFiles) {
    /** 10 MiB × 3 per log unless {@code --log-opt} says otherwise. */
    public static final LogOptions DEFAULT = new LogOptions(10L << 20, 3);

    public static final long MIN_FILE_BYTES = 256 << 10;

    public LogOptions {
        if (maxFileBytes < MIN_FILE_BYTES)
            throw new IllegalArgumentException("max-size must be at least 256k, got " + maxFileBytes + " bytes");
        if (maxFiles < 1 || maxFiles > 100)
            throw new IllegalArgumentException("max-file must be 1 to 100, got " + maxFiles);
    }

    /** The most one log can take on disk. */
    public long maxBytes() {
        return maxFileBytes * maxFiles;
    }

    /** These options with {@code KEY=VALUE} applied: {@code max-size=10m} (k, m, g; bytes without) or {@code max-file=3}. */
    public LogOptions with(String option) {
        int eq = option.indexOf('=');
        if (eq <= 0) throw new IllegalArgumentException("expected max-size=SIZE or max-file=N, got \"" + option + "\"");
        String key = option.substring(0, eq), value = option.substring(eq + 1).strip();
        return switch (key) {
            case "max-size" -> new LogOptions(parseSize(value), maxFiles);
            case "max-file" -> {
                try {
                    yield new LogOptions(maxFileBytes, Integer.parseInt(value));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("max-file: expected a number, got \"" + value + "\"");
                }
            }
            default ->
                throw new IllegalArgumentException(
                        "unknown log option \"" + key + "\" (jvmm knows max-size and max-file)");
        };
    }

    private static long parseSize(String value) {
        try {
            return ByteSize.parse(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("max-size: " + e.getMessage());
        }
    }
}
