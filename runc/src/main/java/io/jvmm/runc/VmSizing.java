package io.jvmm.runc;

/**
 * How big the container's VM is. Memory: the container's memory limit rounded up to MiB plus
 * {@value #OVERHEAD_MIB} MiB for the guest kernel, the agent and the page cache the container's cgroup
 * does not pay for, at least {@value JvmmAnnotations#MIN_MEMORY_MIB} MiB; {@value #DEFAULT_MEMORY_MIB} MiB
 * without a limit. vCPUs: the CPU quota over its period, rounded up, 1 to
 * {@value JvmmAnnotations#MAX_VCPUS}; 1 without a quota. The {@code io.jvmm.*} annotations override both.
 */
public record VmSizing(int vcpus, long memoryMib) {
    /** What the guest needs beside the container's own memory. */
    public static final long OVERHEAD_MIB = 128;
    /** A pod's default ({@code PodConfig}'s). */
    public static final long DEFAULT_MEMORY_MIB = 256;

    private static final long MIB = 1 << 20;

    static VmSizing of(OciLinux.Resources resources, JvmmAnnotations annotations) {
        long limit = ResourceLimits.memoryBytes(resources);
        long limitMib = Math.ceilDiv(limit, MIB);
        long memory;
        if (annotations.memoryMib() != null) {
            memory = annotations.memoryMib();
            if (memory < limitMib)
                throw BundleException.config("annotation " + JvmmAnnotations.MEMORY + " \"" + memory
                        + "\" is less than linux.resources.memory.limit (" + limitMib + " MiB)");
        } else if (limit > 0) {
            memory = Math.max(JvmmAnnotations.MIN_MEMORY_MIB, limitMib + OVERHEAD_MIB);
            if (memory > JvmmAnnotations.MAX_MEMORY_MIB)
                throw BundleException.config("linux.resources.memory.limit " + limit + " needs a VM of " + memory
                        + " MiB, more than jvmm's " + JvmmAnnotations.MAX_MEMORY_MIB + "; set a smaller limit");
        } else {
            memory = DEFAULT_MEMORY_MIB;
        }
        int vcpus;
        if (annotations.vcpus() != null) {
            vcpus = annotations.vcpus();
        } else {
            long quota = ResourceLimits.quotaMicros(resources);
            long cpus = quota == 0 ? 1 : Math.ceilDiv(quota, ResourceLimits.periodMicros(resources));
            vcpus = (int) Math.clamp(cpus, 1, JvmmAnnotations.MAX_VCPUS);
        }
        return new VmSizing(vcpus, memory);
    }
}
