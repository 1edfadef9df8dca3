package io.jvmm.cli.runc;

/**
 * A guest process that a host process stands for (the waiter of create or of a detached exec, or a
 * foreground exec): signals go on to it, and the host process exits with its status once its output
 * has been copied.
 */
interface WaitedProcess {
    /** Sends signal {@code signo} to the guest process. */
    void signal(int signo) throws InterruptedException;

    /** Waits until it has exited and its output has been copied; returns its status (128 + N for signal N). */
    int await() throws InterruptedException;

    /** Runs {@code p} to its end with the supervisor's signals passed on to it; returns its status. */
    static int standFor(WaitedProcess p, RuncLog log, String what) throws InterruptedException {
        try (SignalRelay relay = SignalRelay.install(p, log, what)) {
            return p.await();
        }
    }
}
