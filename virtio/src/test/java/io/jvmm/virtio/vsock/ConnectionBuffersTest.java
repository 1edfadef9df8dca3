package io.jvmm.virtio.vsock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConnectionBuffersTest {
    private static final int RECEIVE = ConnectionBuffers.RECEIVE, SEND = ConnectionBuffers.SEND;

    private int releases;
    /** Room for one buffer (both are the same size). */
    private final BufferBudget budget = new BufferBudget(Math.max(RECEIVE, SEND), () -> releases++);

    private final ConnectionBuffers a = new ConnectionBuffers(budget);
    private final ConnectionBuffers b = new ConnectionBuffers(budget);

    @Test
    void theReceiveBufferIsChargedOnceAndOnlyWhenItFits() {
        assertTrue(a.receiveReservable());
        assertTrue(a.reserveReceive());
        assertFalse(a.reserveReceive(), "charged once");
        assertEquals(RECEIVE, budget.charged());
        assertEquals(RECEIVE, a.inbound().free());
        assertFalse(b.receiveReservable());
        assertFalse(b.reserveReceive(), "no room left for a second one");
        assertEquals(0, b.inbound().free());
        assertEquals(RECEIVE, budget.charged());
    }

    @Test
    void theSendBufferIsChargedAtTheFirstWriteOnly() {
        assertEquals(0, budget.charged(), "nothing before the host writes");
        assertTrue(a.sendRoom());
        assertEquals(SEND, budget.charged());
        a.outbound().put(new byte[SEND], 0, SEND);
        assertFalse(a.sendRoom(), "full, and not charged a second time");
        assertEquals(SEND, budget.charged());
        assertFalse(b.sendRoom(), "no room left for a second one");
        assertFalse(b.reserveReceive());
        assertEquals(SEND, budget.charged());
    }

    @Test
    void aReceiveBufferGoesBackOnlyWhenDoneAndRead() {
        a.reserveReceive();
        a.inbound().put(new byte[10], 0, 10);
        a.releaseSpent(false, false);
        a.releaseSpent(true, false);
        assertEquals(RECEIVE, budget.charged(), "the host has not read it all");
        a.inbound().take(new byte[10], 0, 10);
        a.releaseSpent(false, false);
        assertEquals(RECEIVE, budget.charged(), "the guest may still send");
        a.releaseSpent(true, false);
        assertEquals(0, budget.charged());
        assertEquals(1, releases, "the release woke whoever waits for budget");
        assertEquals(0, a.allocated());
        assertEquals(0, a.arrayBytes());
    }

    @Test
    void aSendBufferGoesBackWhenNothingMoreCanBeSent() {
        a.sendRoom();
        a.outbound().put(new byte[5], 0, 5);
        assertEquals(1, a.allocated());
        assertEquals(SEND, a.arrayBytes());
        a.releaseSpent(false, true);
        assertEquals(0, budget.charged(), "unsent bytes are dropped with it");
        assertEquals(0, a.outbound().size());
        a.releaseSpent(true, true);
        assertEquals(1, releases, "released once");
    }
}
