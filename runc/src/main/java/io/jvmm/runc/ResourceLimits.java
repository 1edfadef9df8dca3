package io.jvmm.runc;

import io.jvmm.agent.ContainerLimits;

/**
 * {@code linux.resources} as the guest's cgroup limits of the container ({@link ContainerLimits}): memory
 * limit, CPU quota per period and pids limit. In the spec, -1 (and, as runc reads them, absent or 0)
 * means unlimited.
 */
final class ResourceLimits {
    /** The kernel's CFS period when none is given, in microseconds. */
    static final long DEFAULT_PERIOD_US = 100_000;

    private ResourceLimits() {}

    static void validate(OciLinux.Resources r) {
        if (r.memory() != null)
            unlimitedOrPositive("linux.resources.memory.limit", r.memory().limit());
        if (r.cpu() != null) {
            OciLinux.Cpu c = r.cpu();
            Long quota = c.quota();
            unlimitedOrPositive("linux.resources.cpu.quota", quota);
            if (quota != null && quota > 0 && (quota < 1000 || quota > 0xffffffffL))
                throw BundleException.config("linux.resources.cpu.quota must be 1000..4294967295 (us), got " + quota);
            Long period = c.period();
            if (period != null && period != 0 && (period < 1000 || period > 1_000_000))
                throw BundleException.config("linux.resources.cpu.period must be 1000..1000000 (us), got " + period);
            if (c.shares() != null && c.shares() < 0)
                throw BundleException.config("linux.resources.cpu.shares must not be negative, got " + c.shares());
            if (c.cpus() != null && !c.cpus().isBlank() && !c.cpus().matches("\\d+(-\\d+)?(,\\d+(-\\d+)?)*"))
                throw BundleException.config(
                        "linux.resources.cpu.cpus \"" + c.cpus() + "\" is not a CPU list (like 0-3,5)");
        }
        if (r.pids() != null) {
            Long pids = r.pids().limit();
            unlimitedOrPositive("linux.resources.pids.limit", pids);
            if (pids != null && pids > 0xffffffffL)
                throw BundleException.config("linux.resources.pids.limit must be at most 4294967295, got " + pids);
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

    private static void unlimitedOrPositive(String field, Long v) {
        if (v != null && v < -1)
            throw BundleException.config(field + " must be positive, or -1 for unlimited, got " + v);
    }

    private static long positive(Long v) {
        return v == null || v < 0 ? 0 : v;
    }
}
