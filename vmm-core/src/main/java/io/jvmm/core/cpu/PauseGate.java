package io.jvmm.core.cpu;

/**
 * Parks the vCPU threads for a pause. A pause request is raised, every vCPU is kicked out of
 * KVM_RUN, and each thread, on its next return from KVM_RUN, parks here until the pause is lifted.
 * Kicked threads re-enter KVM_RUN once with immediate_exit set before they park, so a pending I/O
 * instruction completes and the saved registers are consistent (KVM API docs, KVM_RUN).
 */
public final class PauseGate {
    private boolean requested;
    private int parked;

    /** Asks every vCPU to park; the caller kicks them. */
    public synchronized void request() {
        requested = true;
    }

    public synchronized boolean requested() {
        return requested;
    }

    /** Called on a vCPU thread: waits while a pause is requested, unless the VM is stopping. */
    public synchronized void park(ExitSink sink) {
        parked++;
        notifyAll();
        try {
            while (requested && !sink.stopping()) {
                try {
                    wait(100); // bounded: stopping() is not signalled through this monitor
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        } finally {
            parked--;
            notifyAll();
        }
    }

    /** Waits until {@code n} threads are parked; false after {@code millis}. */
    public synchronized boolean awaitParked(int n, long millis) throws InterruptedException {
        long end = System.currentTimeMillis() + millis;
        while (parked < n) {
            long left = end - System.currentTimeMillis();
            if (left <= 0) return false;
            wait(left);
        }
        return true;
    }

    /** Lifts the pause: parked threads go back into KVM_RUN. */
    public synchronized void release() {
        requested = false;
        notifyAll();
    }
}
