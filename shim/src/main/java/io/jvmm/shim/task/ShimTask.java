package io.jvmm.shim.task;

import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.shim.proto.types.Status;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One task of this shim: its pod and container, the stdio containerd gave, and its life as containerd
 * sees it (created, running, paused, stopped with a status). The exit is set once; Wait blocks on it.
 */
final class ShimTask {
    final String id;
    final Path bundle;
    final Pod pod;
    final Container container;
    final String stdin;
    final String stdout;
    final String stderr;
    final boolean terminal;
    final int pid;
    final TaskIo io;
    private final CountDownLatch exited = new CountDownLatch(1);
    private Status status = Status.CREATED;
    private int exitStatus;
    private Instant exitedAt;

    ShimTask(
            String id,
            Path bundle,
            Pod pod,
            Container container,
            String stdin,
            String stdout,
            String stderr,
            boolean terminal,
            int pid,
            TaskIo io) {
        this.id = id;
        this.bundle = bundle;
        this.pod = pod;
        this.container = container;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.terminal = terminal;
        this.pid = pid;
        this.io = io;
    }

    synchronized Status status() {
        return status;
    }

    synchronized void status(Status s) {
        if (status != Status.STOPPED) status = s;
    }

    /** Records the exit once; false when it was already recorded. */
    synchronized boolean exit(int code, Instant at) {
        if (status == Status.STOPPED) return false;
        status = Status.STOPPED;
        exitStatus = code;
        exitedAt = at;
        exited.countDown();
        return true;
    }

    synchronized int exitStatus() {
        return exitStatus;
    }

    synchronized Instant exitedAt() {
        return exitedAt;
    }

    void awaitExit() throws InterruptedException {
        exited.await();
    }

    boolean awaitExit(long millis) throws InterruptedException {
        return exited.await(millis, TimeUnit.MILLISECONDS);
    }
}
