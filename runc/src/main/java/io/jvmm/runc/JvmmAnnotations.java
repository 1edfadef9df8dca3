package io.jvmm.runc;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The annotations of a config.json that size and boot the VM, overriding what jvmm-runc would derive:
 * {@value #VCPUS} (a count), {@value #MEMORY} (MiB) and {@value #KERNEL} (an absolute path to a kernel
 * image). Every other {@code io.jvmm.} key is refused, so that a misspelt one is not silently ignored.
 *
 * @param vcpus     null: derived from the CPU quota
 * @param memoryMib null: derived from the memory limit
 * @param kernel    null: jvmm's default kernel
 */
public record JvmmAnnotations(Integer vcpus, Long memoryMib, Path kernel) {
    public static final String PREFIX = "io.jvmm.";
    public static final String VCPUS = "io.jvmm.vcpus";
    public static final String MEMORY = "io.jvmm.memory";
    public static final String KERNEL = "io.jvmm.kernel";
    public static final List<String> KEYS = List.of(VCPUS, MEMORY, KERNEL);
    /** The engine's bounds on a pod ({@code Pods.create}). */
    static final int MAX_VCPUS = 64;

    static final long MIN_MEMORY_MIB = 64;
    /** 1 TiB: more is a mistake rather than a VM this host runs. */
    static final long MAX_MEMORY_MIB = 1L << 20;

    public static final JvmmAnnotations NONE = new JvmmAnnotations(null, null, null);

    /** The {@code io.jvmm.*} annotations among {@code annotations}, checked. */
    static JvmmAnnotations of(Map<String, String> annotations) {
        for (String key : annotations.keySet())
            if (key.startsWith(PREFIX) && !KEYS.contains(key))
                throw BundleException.config(
                        "annotation " + key + " is not one jvmm knows (" + String.join(", ", KEYS) + ")");
        Integer vcpus = null;
        String v = annotations.get(VCPUS);
        if (v != null) vcpus = (int) number(VCPUS, v, 1, MAX_VCPUS, "vCPUs");
        Long memory = null;
        String m = annotations.get(MEMORY);
        if (m != null) memory = number(MEMORY, m, MIN_MEMORY_MIB, MAX_MEMORY_MIB, "MiB");
        Path kernel = null;
        String k = annotations.get(KERNEL);
        if (k != null) {
            if (!k.startsWith("/"))
                throw BundleException.config("annotation " + KERNEL + " \"" + k + "\" must be an absolute path");
            kernel = Path.of(k).normalize();
            if (!Files.isRegularFile(kernel))
                throw BundleException.config("annotation " + KERNEL + " \"" + k + "\": no such file");
        }
        return new JvmmAnnotations(vcpus, memory, kernel);
    }

    private static long number(String key, String value, long min, long max, String unit) {
        long n;
        try {
            n = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            n = Long.MIN_VALUE;
        }
        if (n < min || n > max)
            throw BundleException.config("annotation " + key + " \"" + value + "\" must be a whole number of " + unit
                    + ", " + min + ".." + max);
        return n;
    }
}
