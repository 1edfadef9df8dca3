package io.jvmm.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * Thread placement for a benchmark that is otherwise at the mercy of the scheduler: on a 2-core host
 * a polling vCPU, a sender, passt and the VMM's backend share two cores, and which of them the
 * scheduler runs together swings a run by ±15%. Pinned, the vCPU threads have CPU 1 to themselves and
 * everything else of the measurement shares CPU 0, so the rate measures what the VMM's own threads
 * cost on that core. Uses taskset(1), on thread ids from /proc.
 */
final class CpuPinning {
    static final int VCPU_CPU = 1, REST_CPU = 0;

    private CpuPinning() {}

    /** The VMM's vCPU threads to {@link #VCPU_CPU}, its other threads and {@code helperPid}'s to {@link #REST_CPU}. */
    static void pinVmm(long vmmPid, long helperPid) {
        forEachThread(vmmPid, (tid, comm) -> pin(tid, ThreadCpu.isVcpu(comm) ? VCPU_CPU : REST_CPU));
        forEachThread(helperPid, (tid, comm) -> pin(tid, REST_CPU));
    }

    /** The calling thread to {@link #REST_CPU}. */
    static void pinCurrentThread() {
        try {
            Path self = Files.readSymbolicLink(Path.of("/proc/thread-self")); // "PID/task/TID"
            pin(Long.parseLong(self.getFileName().toString()), REST_CPU);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void forEachThread(long pid, BiConsumer<Long, String> action) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                action.accept(
                        Long.parseLong(t.getFileName().toString()),
                        Files.readString(t.resolve("comm")).strip());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list the threads of " + pid + ": " + e.getMessage(), e);
        }
    }

    private static void pin(long tid, int cpu) {
        try {
            Process p = new ProcessBuilder("taskset", "-p", "-c", Integer.toString(cpu), Long.toString(tid))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (p.waitFor() != 0) throw new IllegalStateException("taskset -p -c " + cpu + " " + tid + " failed");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
