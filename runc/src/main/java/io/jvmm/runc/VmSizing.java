package io.jvmm.runc;

import java.util.Map;

/**
 * How big the container's VM is. Memory: the container's memory limit rounded up to MiB plus
 * {@value #OVERHEAD_MIB} MiB for the guest kernel, the agent and the page cache the container's cgroup
 * does not pay for, at least {@value JvmmAnnotations#MIN_MEMORY_MIB} MiB; {@value #DEFAULT_MEMORY_MIB} MiB
 * without a limit. vCPUs: the CPU quota over its period, rounded up, 1 to
 * {@value JvmmAnnotations#MAX_VCPUS}; 1 without a quota. The {@code io.jvmm.*} annotations override both.
 * A Kubernetes sandbox has no limits of its own: CRI's sums of its pod's container limits stand in for
 * them ({@link #CRI_MEMORY}, {@link #CRI_CPU_QUOTA}, {@link #CRI_CPU_PERIOD}; containerd 1.6.7 and later
 * write them when the kubelet, 1.23 and later, gives them), since the pod's one VM holds all its containers.
 */
public record VmSizing(int vcpus, long memoryMib) {
    /** What the guest needs beside the container's own memory. */
    public static final long OVERHEAD_MIB = 128;
    /** A pod's default ({@code PodConfig}'s). */
    public static final long DEFAULT_MEMORY_MIB = 256;

    public static final String CRI_MEMORY = "io.kubernetes.cri.sandbox-memory";
    public static final String CRI_CPU_QUOTA = "io.kubernetes.cri.sandbox-cpu-quota";
    public static final String CRI_CPU_PERIOD = "io.kubernetes.cri.sandbox-cpu-period";

    private static final long MIB = 1 << 20;

    static VmSizing of(OciLinux.Resources resources, JvmmAnnotations annotations, Map<String, String> all) {
        long limit = ResourceLimits.memoryBytes(resources);
        if (limit == 0) limit = criValue(all, CRI_MEMORY);
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
            long period = ResourceLimits.periodMicros(resources);
            if (quota == 0 && criValue(all, CRI_CPU_QUOTA) > 0) {
                quota = criValue(all, CRI_CPU_QUOTA);
                long p = criValue(all, CRI_CPU_PERIOD);
                period = p > 0 ? p : period;
            }
            long cpus = quota == 0 ? 1 : Math.ceilDiv(quota, period);
            vcpus = (int) Math.clamp(cpus, 1, JvmmAnnotations.MAX_VCPUS);
        }
        return new VmSizing(vcpus, memory);
    }

    /** A CRI sum: a whole number, 0 when absent; a negative one (CRI's "no limit") counts as none. */
    private static long criValue(Map<String, String> all, String key) {
        String v = all.get(key);
        if (v == null || v.isBlank()) return 0;
        try {
            return Math.max(0, Long.parseLong(v.strip()));
        } catch (NumberFormatException e) {
            throw BundleException.config("annotation " + key + " \"" + v + "\" is not a whole number");
        }
    }
}
