package io.jvmm.virtio.ratelimit;

import java.time.Duration;
import java.util.Objects;

/**
 * One token bucket, in Firecracker's terms: it holds at most {@code size} tokens, refills from empty to
 * full in {@code refillTime} (so the sustained rate is {@code size / refillTime}), and starts with
 * {@code oneTimeBurst} extra tokens that are spent first and never refilled.
 *
 * @param size         tokens (bytes or operations) the bucket holds; at least 1
 * @param refillTime   how long a refill from empty to full takes; at least 1 ms
 * @param oneTimeBurst extra tokens at the start; 0 or more
 */
public record TokenBucket(long size, Duration refillTime, long oneTimeBurst) {
    public TokenBucket {
        Objects.requireNonNull(refillTime, "refillTime");
        if (size < 1) throw new IllegalArgumentException("a token bucket's size must be at least 1, got " + size);
        if (refillTime.toMillis() < 1)
            throw new IllegalArgumentException("a token bucket's refill time must be at least 1 ms, got " + refillTime);
        if (oneTimeBurst < 0)
            throw new IllegalArgumentException(
                    "a token bucket's one-time burst cannot be negative, got " + oneTimeBurst);
    }

    /** {@code perSecond} tokens a second, with a second's worth as the burst. */
    public static TokenBucket perSecond(long perSecond) {
        return new TokenBucket(perSecond, Duration.ofSeconds(1), 0);
    }

    /** The sustained rate in tokens per second. */
    public double perSecondRate() {
        return size * 1e9 / refillTime.toNanos();
    }
}
