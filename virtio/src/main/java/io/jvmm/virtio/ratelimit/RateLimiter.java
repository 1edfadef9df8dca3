package io.jvmm.virtio.ratelimit;

import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * A device's live {@link RateLimit}: a device thread calls {@link #acquire} before each request (or
 * batch, or frame) and is held back while a bucket is in debt. A request is admitted whenever no bucket
 * is in debt and then charged in full, so one larger than a bucket still passes, and the debt it
 * leaves delays the next ones: over time the rate is exactly the configured one. {@link #update} takes
 * effect at once, from any thread (a running VM's limits can be changed). Thread-safe.
 */
public final class RateLimiter {
    /** The longest one park: a waiting device thread re-checks whether it should stop this often. */
    private static final long MAX_PARK_NANOS = 10_000_000;

    private final LongSupplier clock;
    private final Sleeper sleeper;
    private Bucket bandwidth; // guarded by this; null = unlimited
    private Bucket ops; // guarded by this
    private RateLimit limit; // guarded by this
    /** Read without the lock: an unlimited device's hot path costs one volatile read. */
    private volatile boolean unlimited;

    /** How a waiting thread passes time (tests replace it with a fake clock's). */
    interface Sleeper {
        void sleep(long nanos);
    }

    RateLimiter(RateLimit limit, LongSupplier clock, Sleeper sleeper) {
        this.clock = clock;
        this.sleeper = sleeper;
        update(limit);
    }

    /** A limiter on the system's monotonic clock. */
    public static RateLimiter of(RateLimit limit) {
        return new RateLimiter(limit, System::nanoTime, LockSupport::parkNanos);
    }

    /** A limiter that never holds anything back (until {@link #update}d). */
    public static RateLimiter unlimited() {
        return of(RateLimit.UNLIMITED);
    }

    /** The limit in force. */
    public synchronized RateLimit limit() {
        return limit;
    }

    /** Replaces the limit; the buckets start full again (with their one-time burst), as new ones would. */
    public synchronized void update(RateLimit newLimit) {
        RateLimit l = newLimit == null ? RateLimit.UNLIMITED : newLimit;
        long now = clock.getAsLong();
        limit = l;
        bandwidth = l.bandwidth() == null ? null : new Bucket(l.bandwidth(), now);
        ops = l.ops() == null ? null : new Bucket(l.ops(), now);
        unlimited = l.unlimited();
    }

    /**
     * Waits until no bucket is in debt, then charges {@code bytes} and {@code ops}. {@code beforeWait}
     * runs once before the first wait (e.g. to interrupt the guest for what was already done). Returns
     * false, charging nothing, as soon as {@code keepWaiting} turns false (the device is stopping).
     */
    public boolean acquire(long bytes, long operations, BooleanSupplier keepWaiting, Runnable beforeWait) {
        if (unlimited) return true;
        boolean waited = false;
        while (true) {
            long wait = tryCharge(bytes, operations);
            if (wait == 0) return true;
            if (!keepWaiting.getAsBoolean()) return false;
            if (!waited) {
                waited = true;
                beforeWait.run();
            }
            sleeper.sleep(Math.min(wait, MAX_PARK_NANOS));
        }
    }

    /** Charges and returns 0 when no bucket is in debt; else how long until none is, charging nothing. */
    synchronized long tryCharge(long bytes, long operations) {
        if (bandwidth == null && ops == null) return 0;
        long now = clock.getAsLong();
        long wait = Math.max(
                bandwidth == null ? 0 : bandwidth.nanosUntilSolvent(now), ops == null ? 0 : ops.nanosUntilSolvent(now));
        if (wait > 0) return wait;
        if (bandwidth != null) bandwidth.charge(bytes);
        if (ops != null) ops.charge(operations);
        return 0;
    }

    /** A bucket's state: tokens may go below zero (debt), never above size (plus what is left of the burst). */
    private static final class Bucket {
        private final long size;
        private final long refillNanos;
        private double tokens;
        private long burst;
        private long last;

        Bucket(TokenBucket spec, long now) {
            this.size = spec.size();
            this.refillNanos = spec.refillTime().toNanos();
            this.tokens = size;
            this.burst = spec.oneTimeBurst();
            this.last = now;
        }

        private void refill(long now) {
            long elapsed = now - last;
            if (elapsed <= 0) return;
            last = now;
            tokens = Math.min(size, tokens + (double) elapsed * size / refillNanos);
        }

        long nanosUntilSolvent(long now) {
            refill(now);
            if (tokens > 0 || burst > 0) return 0;
            // Tokens flow in at size per refillNanos; one more than the debt makes the bucket solvent.
            return Math.max(1, (long) Math.ceil((1 - tokens) * refillNanos / size));
        }

        void charge(long n) {
            long fromBurst = Math.min(burst, n);
            burst -= fromBurst;
            tokens -= n - fromBurst;
        }
    }
}
