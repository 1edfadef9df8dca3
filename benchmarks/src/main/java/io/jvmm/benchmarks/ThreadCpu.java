package io.jvmm.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * CPU time of a process's threads from /proc (schedstat: nanoseconds on the CPU), split into its
 * vCPU threads and the rest. With a polling guest the vCPU threads are busy whatever the VMM does;
 * the rest (device and backend threads, QEMU's main loop, a JVM's compiler) is the VMM's own work.
 */
record ThreadCpu(long vcpuNanos, long otherNanos) {
    /** Now, for {@code pid}; zeroes when the process is gone. */
    static ThreadCpu of(long pid) {
        long vcpu = 0, other = 0;
        for (var e : byName(pid).entrySet()) {
            if (isVcpu(e.getKey())) vcpu += e.getValue();
            else other += e.getValue();
        }
        return new ThreadCpu(vcpu, other);
    }

    /** Nanoseconds on the CPU by thread name (threads of one name summed), now; empty when the process is gone. */
    static Map<String, Long> byName(long pid) {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String comm = Files.readString(t.resolve("comm")).strip();
                    m.merge(
                            comm,
                            Long.parseLong(
                                    Files.readString(t.resolve("schedstat")).split(" ")[0]),
                            Long::sum);
                } catch (NoSuchFileException gone) {
                    // the thread ended between the listing and the read
                }
            }
        } catch (IOException e) {
            // gone
        }
        return m;
    }

    /** jvmm names them vcpu-N; QEMU "CPU N/KVM". */
    static boolean isVcpu(String comm) {
        return comm.startsWith("vcpu-") || comm.endsWith("/KVM");
    }

    ThreadCpu minus(ThreadCpu earlier) {
        return new ThreadCpu(vcpuNanos - earlier.vcpuNanos, otherNanos - earlier.otherNanos);
    }
}
