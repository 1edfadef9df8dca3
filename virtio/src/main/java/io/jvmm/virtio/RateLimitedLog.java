package io.jvmm.virtio;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * A logger for messages a guest can trigger (malformed chains, unknown requests): at most
 * {@code burst} messages per period, then one line saying how many were dropped, so a hostile or
 * broken guest cannot flood the host's logs (Firecracker's logger/rate_limited.rs).
 */
public final class RateLimitedLog {
    private static final int DEFAULT_BURST = 10;
    private static final long DEFAULT_PERIOD_NANOS = 5_000_000_000L;

    private final Logger log;
    private final int burst;
    private final long periodNanos;
    private long windowStart = System.nanoTime();
    private int inWindow;
    private long suppressed;

    public RateLimitedLog(Logger log, int burst, long periodNanos) {
        this.log = log;
        this.burst = burst;
        this.periodNanos = periodNanos;
    }

    /** Ten messages per five seconds, as Firecracker allows. */
    public static RateLimitedLog of(Class<?> owner) {
        return new RateLimitedLog(System.getLogger(owner.getName()), DEFAULT_BURST, DEFAULT_PERIOD_NANOS);
    }

    /** Logs unless the budget of this period is spent; returns whether it logged. */
    public boolean log(Level level, String format, Object... args) {
        long dropped;
        synchronized (this) {
            long now = System.nanoTime();
            if (now - windowStart >= periodNanos) {
                windowStart = now;
                inWindow = 0;
            }
            if (inWindow >= burst) {
                suppressed++;
                return false;
            }
            inWindow++;
            dropped = suppressed;
            suppressed = 0;
        }
        if (dropped > 0) log.log(level, "{0} similar messages suppressed", dropped);
        log.log(level, format, args);
        return true;
    }

    /** How many messages are waiting to be reported as suppressed. */
    public synchronized long suppressed() { return suppressed; }
}
