package io.jvmm.virtio.vsock;

import static io.jvmm.virtio.vsock.VsockHeader.HOST_CID;
import static io.jvmm.virtio.vsock.VsockHeader.OP_REQUEST;
import static io.jvmm.virtio.vsock.VsockHeader.TYPE_STREAM;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ConnectionTableTest {
    private final VsockMuxer muxer = new VsockMuxer(GuestVsock.CID, VsockDevice.DEFAULT_BUFFER_BUDGET, () -> {});
    private final ConnectionTable table = new ConnectionTable();

    @BeforeEach
    void lock() {
        muxer.lock.lock();
    }

    @AfterEach
    void unlock() {
        muxer.lock.unlock();
    }

    /** A connection the guest opened from {@code guestPort}: it owes the guest its credit. */
    private VsockConnection fromGuest(int hostPort, int guestPort) {
        VsockHeader request =
                new VsockHeader(GuestVsock.CID, HOST_CID, guestPort, hostPort, 0, TYPE_STREAM, OP_REQUEST, 0, 4096, 0);
        return VsockConnection.fromRequest(muxer, request, null);
    }

    @Test
    void connectionsAreFoundByTheirPortsAndRemovedOnlyAsThemselves() {
        VsockConnection c = fromGuest(1000, 5000);
        table.add(c);
        assertSame(c, table.get(1000, 5000));
        assertTrue(table.contains(1000, 5000));
        assertNull(table.get(5000, 1000), "host port first");
        VsockConnection other = fromGuest(1000, 5000);
        assertFalse(table.remove(other), "another connection between the same ports is not removed");
        assertEquals(1, table.size());
        assertTrue(table.remove(c));
        assertFalse(table.remove(c));
        assertEquals(0, table.size());
    }

    @Test
    void everyConnectionThatOwesAPacketGetsItsTurn() {
        VsockConnection quiet = VsockConnection.connecting(muxer, 2000, 6000); // owes nothing before RESPONSE
        table.add(quiet);
        assertFalse(table.anyOwesPacket());
        assertNull(table.nextOwingPacket());
        List<VsockConnection> owing = List.of(fromGuest(1000, 5000), fromGuest(1000, 5001), fromGuest(1001, 5000));
        owing.forEach(table::add);
        assertTrue(table.anyOwesPacket());
        Set<VsockConnection> turns = new HashSet<>();
        for (int i = 0; i < owing.size(); i++) turns.add(table.nextOwingPacket());
        assertEquals(Set.copyOf(owing), turns, "three turns, three connections");
    }

    @Test
    void expiredClosesAreRemovedAndTheRestStay() {
        VsockConnection open = fromGuest(1000, 5000), closed = fromGuest(1000, 5001);
        table.add(open);
        table.add(closed);
        assertFalse(table.anyClosing());
        closed.close(); // the host closes: it waits for the guest's RST until the close timeout
        assertTrue(table.anyClosing());
        assertEquals(List.of(), table.removeExpired(System.nanoTime()));
        long late = System.nanoTime() + muxer.closeTimeout.toNanos() + 1;
        assertEquals(List.of(closed), table.removeExpired(late));
        assertSame(open, table.get(1000, 5000));
        assertEquals(1, table.size());
    }

    @Test
    void aResetEndsAndForgetsEveryConnection() {
        VsockConnection c = fromGuest(1000, 5000);
        table.add(c);
        table.resetAll();
        assertEquals(0, table.size());
        assertEquals(VsockConnection.State.CLOSED, c.state());
    }
}
