package io.jvmm.agent;

/**
 * A container's cgroup v2 limits in the guest; 0 means unlimited. {@code cpuQuotaMicros} of CPU
 * time per {@code cpuPeriodMicros} (0: the kernel's 100 ms), so 1.5 CPUs is 150000 per 100000.
 * Exceeding the memory limit kills the container (exit status 137, reported as an OOM kill).
 */
public record ContainerLimits(long memoryBytes, long cpuQuotaMicros, long cpuPeriodMicros, long pids) {
    public static final ContainerLimits NONE = new ContainerLimits(0, 0, 0, 0);

    public ContainerLimits {
        if (memoryBytes < 0) throw new IllegalArgumentException("memory limit must not be negative: " + memoryBytes);
        if (cpuQuotaMicros != 0 && (cpuQuotaMicros < 1000 || cpuQuotaMicros > 0xffffffffL))
            throw new IllegalArgumentException("cpu quota must be 1000..4294967295 us: " + cpuQuotaMicros);
        if (cpuPeriodMicros != 0 && (cpuPeriodMicros < 1000 || cpuPeriodMicros > 1_000_000))
            throw new IllegalArgumentException("cpu period must be 1000..1000000 us: " + cpuPeriodMicros);
        if (pids < 0 || pids > 0xffffffffL) throw new IllegalArgumentException("pids limit out of range: " + pids);
    }

    /** The wire form (CONTAINER_CREATE's tail, CONTAINER_UPDATE): u64 memory, u32 quota, period and pids. */
    void writeTo(Payload.Writer w) {
        w.u64(memoryBytes).u32(cpuQuotaMicros).u32(cpuPeriodMicros).u32(pids);
    }

    public ContainerLimits withMemory(long bytes) {
        return new ContainerLimits(bytes, cpuQuotaMicros, cpuPeriodMicros, pids);
    }

    /** At most {@code cpus} CPUs' worth of time per 100 ms period. */
    public ContainerLimits withCpus(double cpus) {
        if (!(cpus > 0)) throw new IllegalArgumentException("cpus must be positive: " + cpus);
        return new ContainerLimits(memoryBytes, Math.round(cpus * 100_000), 100_000, pids);
    }

    public ContainerLimits withPids(long max) {
        return new ContainerLimits(memoryBytes, cpuQuotaMicros, cpuPeriodMicros, max);
    }
}
