package io.jvmm.virtio.vsock;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.Condition;

/**
 * The bytes all of a device's connection buffers may hold together. A guest can open
 * {@link VsockMuxer#MAX_CONNECTIONS} connections, and each could make the VMM hold a receive and a
 * send buffer; the budget bounds the sum, so a buffer is charged here before it may fill.
 *
 * <p>Not thread-safe: the muxer's lock guards it, and every caller holds that lock.
 */
final class BufferBudget {
    private final long limit;
    private final Runnable onRelease;
    private long charged;
    /** Conditions of host writers waiting for room for a send buffer; one entry per waiting writer. */
    private final List<Condition> waiters = new ArrayList<>();

    /**
     * @param limit     bytes all buffers together may hold
     * @param onRelease run whenever bytes come back: the rx thread then grants credit to
     *                  connections still without it
     */
    BufferBudget(long limit, Runnable onRelease) {
        this.limit = limit;
        this.onRelease = onRelease;
    }

    long limit() {
        return limit;
    }

    /** Bytes charged now. */
    long charged() {
        return charged;
    }

    /** Whether {@code bytes} more would fit. */
    boolean hasRoom(int bytes) {
        return limit - charged >= bytes;
    }

    /** Charges {@code bytes} if they fit; false leaves the budget as it was. */
    boolean reserve(int bytes) {
        if (!hasRoom(bytes)) return false;
        charged += bytes;
        return true;
    }

    /** Gives {@code bytes} back and wakes whoever may use them: waiting writers and the rx thread. */
    void release(int bytes) {
        charged -= bytes;
        for (Condition c : waiters) c.signalAll();
        onRelease.run();
    }

    /** A host writer starts waiting on {@code c} for room; pair with {@link #stopWaiting}. */
    void startWaiting(Condition c) {
        waiters.add(c);
    }

    void stopWaiting(Condition c) {
        waiters.remove(c);
    }
}
