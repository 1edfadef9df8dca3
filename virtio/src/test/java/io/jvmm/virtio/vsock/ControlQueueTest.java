package io.jvmm.virtio.vsock;

import static io.jvmm.virtio.vsock.VsockHeader.OP_REQUEST;
import static io.jvmm.virtio.vsock.VsockHeader.OP_RESPONSE;
import static io.jvmm.virtio.vsock.VsockHeader.OP_RST;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ControlQueueTest {
    private final ControlQueue q = new ControlQueue(2);

    private static VsockHeader packet(int op, int hostPort) {
        return VsockHeader.toGuest(GuestVsock.CID, hostPort, 1000, op, 0, 0, 0);
    }

    @Test
    void packetsGoOutInOrder() {
        ControlQueue q = new ControlQueue(8);
        VsockHeader a = packet(OP_RST, 1), b = packet(OP_RESPONSE, 2), c = packet(OP_RST, 3);
        q.reply(a);
        q.add(b);
        q.reply(c);
        assertEquals(a, q.poll());
        assertEquals(b, q.poll());
        assertEquals(c, q.poll());
        assertNull(q.poll());
        assertTrue(q.isEmpty());
    }

    @Test
    void repliesPastTheBoundAreDroppedAndCounted() {
        q.reply(packet(OP_RST, 1));
        assertFalse(q.full());
        q.reply(packet(OP_RST, 2));
        assertTrue(q.full());
        q.reply(packet(OP_RST, 3));
        assertEquals(2, q.size());
        assertEquals(1, q.droppedReplies());
        q.drop(packet(OP_REQUEST, 4));
        assertEquals(2, q.droppedReplies());
    }

    @Test
    void aConnectionsOwnPacketsAreQueuedEvenWhenFull() {
        q.reply(packet(OP_RST, 1));
        q.reply(packet(OP_RST, 2));
        q.add(packet(OP_RESPONSE, 3));
        assertEquals(3, q.size());
        assertEquals(0, q.droppedReplies());
    }

    @Test
    void clearDropsThePacketsButNotTheCount() {
        q.reply(packet(OP_RST, 1));
        q.reply(packet(OP_RST, 2));
        q.reply(packet(OP_RST, 3));
        q.clear();
        assertTrue(q.isEmpty());
        assertFalse(q.full());
        assertEquals(1, q.droppedReplies());
    }
}
