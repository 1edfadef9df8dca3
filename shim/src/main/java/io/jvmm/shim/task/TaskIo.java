package io.jvmm.shim.task;

import io.jvmm.runtime.pod.Container;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * A task's output to the paths containerd gave (FIFOs its client reads, or files): the container's
 * stdout and stderr, followed until it exits, then the writers closed so the reader sees the end.
 * An empty path discards that stream.
 */
final class TaskIo {
    private final String stdout;
    private final String stderr;
    private final Consumer<String> log;
    private Thread copier;

    TaskIo(String stdout, String stderr, Consumer<String> log) {
        this.stdout = stdout;
        this.stderr = stderr;
        this.log = log;
    }

    /** Starts following {@code container}'s output on a thread of its own. */
    synchronized void start(Container container, String threadName) {
        if (copier != null) return;
        copier = Thread.ofPlatform().name(threadName).daemon().start(() -> copy(container));
    }

    private void copy(Container container) {
        try (OutputStreams o = OutputStreams.open(stdout, stderr)) {
            container.logs(true, o.out(), o.err());
        } catch (IOException | RuntimeException e) {
            log.accept("shim: output of " + container.name() + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits up to {@code millis} for the output to be copied. */
    void await(long millis) throws InterruptedException {
        Thread t;
        synchronized (this) {
            t = copier;
        }
        if (t != null) t.join(millis);
    }
}
