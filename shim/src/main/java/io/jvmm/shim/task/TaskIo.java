package io.jvmm.shim.task;

import io.jvmm.runtime.pod.Container;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
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
        try (OutputStream out = open(stdout);
                OutputStream err = stderr.equals(stdout) && !stdout.isEmpty() ? out : open(stderr)) {
            container.logs(true, out, err);
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

    /** Opens a stdio path containerd gave for writing; an empty path is a sink. */
    static OutputStream open(String path) throws IOException {
        if (path.isEmpty()) return OutputStream.nullOutputStream();
        String p = path.startsWith("file://") ? path.substring("file://".length()) : path;
        if (p.contains("://"))
            throw new IOException("output URI " + path + " is not supported (fifo or file paths only)");
        // A FIFO's reader (containerd's client) opened it before Create; a plain file is appended to. Not a
        // channel: an interrupt of whichever thread writes must not close the stream under the others.
        return new FileOutputStream(Path.of(p).toFile(), true);
    }
}
