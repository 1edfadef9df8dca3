package io.jvmm.runc;

import io.jvmm.agent.ContainerLimits;
import java.util.function.Function;

/**
 * {@code linux.resources} as the guest's cgroup limits of the container ({@link ContainerLimits}): memory
 * limit, CPU quota per period and pids limit. In the spec, -1 (and, as runc reads them, absent or 0)
 * means unlimited.
 */
public final class ResourceLimits {
    /** The kernel's CFS period when none is given, in microseconds. */
    static final long DEFAULT_PERIOD_US = 100_000;

    private ResourceLimits() {}

    /** Checks config.json's {@code linux.resources}. */
    static void validate(OciLinux.Resources r) {
        validate(r, "linux.resources", BundleException::config);
    }

    /** Checks {@code r}, naming its fields under {@code prefix}; {@code error} makes the exception. */
    static void validate(OciLinux.Resources r, String prefix, Function<String, BundleException> error) {
        if (r.memory() != null)
            unlimitedOrPositive(prefix + ".memory.limit", r.memory().limit(), error);
        if (r.cpu() != null) {
            OciLinux.Cpu c = r.cpu();
            Long quota = c.quota();
            unlimitedOrPositive(prefix + ".cpu.quota", quota, error);
            if (quota != null && quota > 0 && (quota < 1000 || quota > 0xffffffffL))
                throw error.apply(prefix + ".cpu.quota must be 1000..4294967295 (us), got " + quota);
            Long period = c.period();
            if (period != null && period != 0 && (period < 1000 || period > 1_000_000))
                throw error.apply(prefix + ".cpu.period must be 1000..1000000 (us), got " + period);
            if (c.shares() != null && c.shares() < 0)
                throw error.apply(prefix + ".cpu.shares must not be negative, got " + c.shares());
            if (c.cpus() != null && !c.cpus().isBlank() && !c.cpus().matches("\\d+(-\\d+)?(,\\d+(-\\d+)?)*"))
                throw error.apply(prefix + ".cpu.cpus \"" + c.cpus() + "\" is not a CPU list (like 0-3,5)");
        }
        if (r.pids() != null) {
            Long pids = r.pids().limit();
            unlimitedOrPositive(prefix + ".pids.limit", pids, error);
            if (pids != null && pids > 0xffffffffL)
                throw error.apply(prefix + ".pids.limit must be at most 4294967295, got " + pids);
        }
    }

    /** The memory limit in bytes, 0 when unlimited. */
    static long memoryBytes(OciLinux.Resources r) {
        return r == null || r.memory() == null ? 0 : positive(r.memory().limit());
    }

    /** The CPU quota in microseconds per {@link #periodMicros}, 0 when unlimited. */
    static long quotaMicros(OciLinux.Resources r) {
        return r == null || r.cpu() == null ? 0 : positive(r.cpu().quota());
    }

    static long periodMicros(OciLinux.Resources r) {
        long p = r == null || r.cpu() == null ? 0 : positive(r.cpu().period());
        return p == 0 ? DEFAULT_PERIOD_US : p;
    }

    /** The container's cgroup limits in the guest. */
    static ContainerLimits containerLimits(OciLinux.Resources r) {
        long quota = quotaMicros(r);
        long pids = r == null || r.pids() == null ? 0 : positive(r.pids().limit());
        return new ContainerLimits(memoryBytes(r), quota, quota == 0 ? 0 : periodMicros(r), pids);
    }

    /**
     * {@code current} with what {@code update} gives changed, as runc update does: an absent field keeps
     * its value, -1 (or 0) lifts the limit. A new quota without a period keeps the current period.
     */
    public static ContainerLimits merged(ContainerLimits current, OciLinux.Resources update) {
        validate(update, "resources", BundleException::new);
        long memory = current.memoryBytes(), quota = current.cpuQuotaMicros(), period = current.cpuPeriodMicros();
        long pids = current.pids();
        if (update.memory() != null && update.memory().limit() != null)
            memory = positive(update.memory().limit());
        if (update.cpu() != null) {
            if (update.cpu().quota() != null) quota = positive(update.cpu().quota());
            if (update.cpu().period() != null) period = positive(update.cpu().period());
        }
        if (update.pids() != null && update.pids().limit() != null)
            pids = positive(update.pids().limit());
        if (quota == 0) period = 0;
        else if (period == 0) period = DEFAULT_PERIOD_US;
        return new ContainerLimits(memory, quota, period, pids);
    }

    private static void unlimitedOrPositive(String field, Long v, Function<String, BundleException> error) {
        if (v != null && v < -1) throw error.apply(field + " must be positive, or -1 for unlimited, got " + v);
    }

    private static long positive(Long v) {
        return v == null || v < 0 ? 0 : v;
    }
}
