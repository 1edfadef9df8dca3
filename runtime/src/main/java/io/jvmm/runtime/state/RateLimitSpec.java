package io.jvmm.runtime.state;

import io.jvmm.virtio.ratelimit.RateLimit;
import io.jvmm.virtio.ratelimit.TokenBucket;

/**
 * A rate limit as the CLI writes it: {@code bw=SIZE,ops=N}, bytes (k, m, g suffixes) and operations
 * per second, each with a second's worth of burst; {@code none} (or nothing) for no limit.
 */
public final class RateLimitSpec {
    private RateLimitSpec() {}

    /** Parses {@code spec}; null gives null. Throws IllegalArgumentException naming the bad part. */
    public static RateLimit parse(String spec) {
        if (spec == null) return null;
        if (spec.isBlank() || spec.equals("none")) return RateLimit.UNLIMITED;
        TokenBucket bw = null, ops = null;
        for (String part : spec.split(",", -1)) {
            int eq = part.indexOf('=');
            String key = eq < 0 ? part : part.substring(0, eq), value = eq < 0 ? "" : part.substring(eq + 1);
            switch (key) {
                case "bw" -> {
                    try {
                        bw = TokenBucket.perSecond(ByteSize.parse(value));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("bw: " + e.getMessage());
                    }
                }
                case "ops" -> {
                    try {
                        ops = TokenBucket.perSecond(Long.parseLong(value));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(
                                "ops: expected a number of operations per second, got \"" + value + "\"");
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("ops: " + e.getMessage());
                    }
                }
                default ->
                    throw new IllegalArgumentException(
                            "unknown limit '" + part + "' (expected bw=SIZE or ops=N, per second, or none)");
            }
        }
        return new RateLimit(bw, ops);
    }
}
