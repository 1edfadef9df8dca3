package io.jvmm.virtio.vsock;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;

/**
 * A connection's two byte buffers and their charge to the device's {@link BufferBudget}: the receive
 * buffer (guest to host) is charged when credit is first granted, the send buffer (host to guest) at
 * the host's first write. The connection says when one can no longer fill, and it goes back to the
 * budget; a ring holds no array until its first byte ({@link ByteRing}).
 *
 * <p>Not thread-safe: the muxer's lock guards it, and every caller holds that lock.
 */
final class ConnectionBuffers {
    /** Our receive buffer: what we advertise as buf_alloc. */
    static final int RECEIVE = Credit.BUF_ALLOC;
    /** Host writes block beyond this much unsent data. */
    static final int SEND = 256 * 1024;

    private final BufferBudget budget;
    private final ByteRing inbound = new ByteRing();
    private final ByteRing outbound = new ByteRing();

    ConnectionBuffers(BufferBudget budget) {
        this.budget = budget;
    }

    /** What the guest sent and the host has not read. */
    ByteRing inbound() {
        return inbound;
    }

    /** What the host wrote and the guest has not been sent. */
    ByteRing outbound() {
        return outbound;
    }

    /** Charges the receive buffer if the budget has room; false leaves both as they were. */
    boolean reserveReceive() {
        if (inbound.reserved() || !budget.reserve(RECEIVE)) return false;
        inbound.reserve(RECEIVE);
        return true;
    }

    /** Whether the budget has room for a receive buffer now. */
    boolean receiveReservable() {
        return budget.hasRoom(RECEIVE);
    }

    /** Whether the host may write now: the send buffer has room, charged to the budget on first use. */
    boolean sendRoom() {
        if (outbound.free() > 0) return true;
        if (outbound.reserved() || !budget.reserve(SEND)) return false;
        outbound.reserve(SEND);
        return true;
    }

    /**
     * Waits on {@code changed} (its lock held) up to a second for {@link #sendRoom} to change: the
     * guest reads, or, while the send buffer is not charged yet, other connections give budget back.
     */
    void awaitSendRoom(Condition changed) throws InterruptedException {
        boolean forBudget = !outbound.reserved();
        if (forBudget) budget.startWaiting(changed);
        try {
            changed.await(1, TimeUnit.SECONDS);
        } finally {
            if (forBudget) budget.stopWaiting(changed);
        }
    }

    /**
     * Gives back what can no longer fill: the receive buffer when {@code receiveDone} (the guest sends
     * nothing we keep) once the host has read it all, the send buffer when {@code sendDone}.
     */
    void releaseSpent(boolean receiveDone, boolean sendDone) {
        if (inbound.reserved() && receiveDone && inbound.size() == 0) budget.release(inbound.release());
        if (outbound.reserved() && sendDone) budget.release(outbound.release());
    }

    /** Buffers that hold an array (for tests). */
    int allocated() {
        return (inbound.allocated() ? 1 : 0) + (outbound.allocated() ? 1 : 0);
    }

    /** Bytes of the arrays the buffers hold (for tests: never more than is charged). */
    long arrayBytes() {
        return inbound.arrayBytes() + outbound.arrayBytes();
    }
}
