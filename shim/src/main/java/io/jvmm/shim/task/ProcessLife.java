package io.jvmm.shim.task;

import io.jvmm.shim.proto.types.Status;
import java.time.Instant;
import java.util.concurrent.CountDownLatch;

/**
 * A process's life as containerd sees it: created, running, paused, then stopped with a status and a
 * time, set once; Wait blocks on it. The init process and each exec have one.
 */
final class ProcessLife {
    private final CountDownLatch exited = new CountDownLatch(1);
    private Status status = Status.CREATED;
    private int exitStatus;
    private Instant exitedAt;

    synchronized Status status() {
        return status;
    }

    /** Moves to {@code s}; a stopped process stays stopped. */
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

    /** The state's name as errors print it. */
    String describe() {
        return status().name().toLowerCase();
    }
}
