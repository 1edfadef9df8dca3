package io.jvmm.virtio;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Arrays;

/**
 * A logger for messages a guest can trigger (malformed chains, unknown requests): at most
 * {@code burst} messages per period, then one line saying how many were dropped, so a hostile or
 * broken guest cannot flood the host's logs (Firecracker's logger/rate_limited.rs). Each level has its
 * own budget, so a flood of guest-caused warnings cannot hide an error.
 */
public final class RateLimitedLog {
    private static final int DEFAULT_BURST = 10;
    private static final long DEFAULT_PERIOD_NANOS = 5_000_000_000L;

    private final String name;
    private volatile Logger log;
    private final int burst;
    private final long periodNanos;
    // Per level (indexed by Level.ordinal()): start of the period, messages in it, messages dropped.
    private final long[] windowStart = new long[Level.values().length];
    private final int[] inWindow = new int[Level.values().length];
    private final long[] suppressed = new long[Level.values().length];

    private RateLimitedLog(String name, int burst, long periodNanos) {
        this.name = name;
        this.burst = burst;
        this.periodNanos = periodNanos;
        Arrays.fill(windowStart, System.nanoTime());
    }

    /**
     * Ten messages per five seconds, as Firecracker allows. The logger is looked up on the first
     * message: System.getLogger bootstraps java.util.logging, which a VM that never logs (most of
     * them) should not pay for at start-up.
     */
    public static RateLimitedLog of(Class<?> owner) {
        return new RateLimitedLog(owner.getName(), DEFAULT_BURST, DEFAULT_PERIOD_NANOS);
    }

    private Logger logger() {
        Logger l = log;
        if (l == null) log = l = System.getLogger(name);
        return l;
    }

    /** Logs unless the budget of this period is spent; returns whether it logged. */
    public boolean log(Level level, String format, Object... args) {
        long dropped;
        int i = level.ordinal();
        synchronized (this) {
            long now = System.nanoTime();
            if (now - windowStart[i] >= periodNanos) {
                windowStart[i] = now;
                inWindow[i] = 0;
            }
            if (inWindow[i] >= burst) {
                suppressed[i]++;
                return false;
            }
            inWindow[i]++;
            dropped = suppressed[i];
            suppressed[i] = 0;
        }
        Logger l = logger();
        if (dropped > 0) l.log(level, "{0} similar messages suppressed", dropped);
        l.log(level, format, args);
        return true;
    }
}
