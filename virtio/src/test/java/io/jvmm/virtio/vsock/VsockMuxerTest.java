package io.jvmm.virtio.vsock;

import static io.jvmm.virtio.vsock.VsockHeader.*;
import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.virtio.queue.TestBuffers;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The muxer without the device: guest packets go straight into {@link VsockMuxer#fromGuest} and
 * the packets for the guest come out of {@link VsockMuxer#toGuest}, on the test's thread.
 */
class VsockMuxerTest {
    private static final long CID = GuestVsock.CID;
    private final VsockMuxer muxer = new VsockMuxer(CID, VsockDevice.DEFAULT_BUFFER_BUDGET, () -> {});

    private static VsockHeader guest(int src, int dst, int op, int flags, int len) {
        return new VsockHeader(CID, HOST_CID, src, dst, len, TYPE_STREAM, op, flags, 64 * 1024, 0);
    }

    private void send(VsockHeader h, byte[] payload) {
        muxer.fromGuest(h, TestBuffers.of(h.encode(), payload));
    }

    private void send(int src, int dst, int op) {
        send(guest(src, dst, op, 0, 0), new byte[0]);
    }

    /** The next packet for the guest, or null when none waits. */
    private GuestVsock.Packet next() {
        byte[] rx = new byte[VsockHeader.SIZE + 4096];
        int n = muxer.toGuest(TestBuffers.of(rx));
        if (n < 0) return null;
        VsockHeader h = VsockHeader.parse(Arrays.copyOf(rx, VsockHeader.SIZE));
        assertEquals(VsockHeader.SIZE + h.len(), n);
        return new GuestVsock.Packet(h, Arrays.copyOfRange(rx, VsockHeader.SIZE, n));
    }

    private VsockHeader nextHeader() {
        GuestVsock.Packet p = next();
        assertNotNull(p, "a packet for the guest");
        return p.header();
    }

    private VsockStream accept(VsockListener l, int src) throws InterruptedException {
        send(src, l.port(), OP_REQUEST);
        VsockHeader response = nextHeader();
        assertEquals(OP_RESPONSE, response.op());
        assertEquals(src, response.dstPort());
        return l.accept(Duration.ZERO).orElseThrow();
    }

    @Test
    void strayPacketsAreAnsweredWithRstAndForeignOnesDropped() {
        assertFalse(muxer.hasPacketForGuest());
        assertNull(next());
        send(5000, 999, OP_REQUEST);
        VsockHeader rst = nextHeader();
        assertEquals(OP_RST, rst.op());
        assertEquals(999, rst.srcPort());
        assertEquals(5000, rst.dstPort());
        assertEquals(CID, rst.dstCid());
        send(5000, 999, OP_RST);
        send(new VsockHeader(7, HOST_CID, 5000, 999, 0, TYPE_STREAM, OP_REQUEST, 0, 0, 0), new byte[0]);
        send(new VsockHeader(CID, 9, 5000, 999, 0, TYPE_STREAM, OP_REQUEST, 0, 0, 0), new byte[0]);
        assertNull(next(), "an RST is never answered, and packets for other CIDs are dropped");
    }

    @Test
    void repliesBeyondTheBoundAreDropped() {
        for (int i = 0; i < VsockMuxer.MAX_PENDING_REPLIES + 3; i++) send(10_000 + i, 999, OP_CREDIT_REQUEST);
        assertEquals(VsockMuxer.MAX_PENDING_REPLIES, muxer.pendingControl());
        assertEquals(3, muxer.droppedReplies());
    }

    @Test
    void protocolErrorResetsTheConnection() throws Exception {
        VsockListener l = muxer.listen(1, VsockMuxer.MAX_CONNECTIONS);
        VsockStream s = accept(l, 5000);
        send(5000, 1, OP_REQUEST);
        assertEquals(OP_RST, nextHeader().op());
        assertEquals(0, muxer.connectionCount());
        IOException e = assertThrows(IOException.class, () -> s.input().read());
        assertTrue(e.getMessage().endsWith("reset: REQUEST on an open connection"), e.getMessage());
        send(guest(5000, 1, OP_RW, 0, 2), "hi".getBytes(StandardCharsets.UTF_8));
        assertEquals(OP_RST, nextHeader().op(), "the connection is unknown now");
    }

    @Test
    void guestShutdownOfBothDirectionsIsFinishedWithRst() throws Exception {
        VsockListener l = muxer.listen(2, VsockMuxer.MAX_CONNECTIONS);
        accept(l, 5000);
        send(guest(5000, 2, OP_SHUTDOWN, SHUTDOWN_SEND, 0), new byte[0]);
        assertNull(next(), "half closed: nothing to answer");
        send(guest(5000, 2, OP_SHUTDOWN, SHUTDOWN_RCV, 0), new byte[0]);
        VsockHeader rst = nextHeader();
        assertEquals(OP_RST, rst.op());
        assertEquals(5000, rst.dstPort());
        assertEquals(0, muxer.connectionCount());
        assertEquals(0, muxer.bufferBytes());
    }

    @Test
    void listenerLimitCountsConnectionsTheHostHasNotClosed() throws Exception {
        VsockListener l = muxer.listen(3, 1);
        VsockStream first = accept(l, 5000);
        send(5001, 3, OP_REQUEST);
        assertEquals(OP_RST, nextHeader().op());
        first.close();
        assertEquals(OP_SHUTDOWN, nextHeader().op());
        accept(l, 5002);
        assertEquals(2, muxer.connectionCount(), "the closed one waits for the guest's RST");
        assertThrows(IllegalStateException.class, () -> muxer.listen(3, 1));
    }

    @Test
    void hostCloseUnansweredIsResetAtTheDeadline() throws Exception {
        muxer.closeTimeout = Duration.ZERO;
        VsockListener l = muxer.listen(4, VsockMuxer.MAX_CONNECTIONS);
        accept(l, 5000).close();
        assertEquals(OP_SHUTDOWN, nextHeader().op());
        assertTrue(muxer.closingPending());
        Thread.sleep(1);
        muxer.expireClosing();
        assertEquals(OP_RST, nextHeader().op());
        assertEquals(0, muxer.connectionCount());
        assertFalse(muxer.closingPending());
    }

    @Test
    void closingAListenerClosesWhatNobodyAcceptedAndGivesTheBuffersBack() {
        VsockListener l = muxer.listen(5, VsockMuxer.MAX_CONNECTIONS);
        send(5000, 5, OP_REQUEST);
        assertEquals(OP_RESPONSE, nextHeader().op());
        assertEquals(VsockConnection.BUF_ALLOC, muxer.bufferBytes());
        l.close();
        assertEquals(0, muxer.bufferBytes());
        assertEquals(OP_SHUTDOWN, nextHeader().op());
        send(5001, 5, OP_REQUEST);
        assertEquals(OP_RST, nextHeader().op(), "nobody listens any more");
    }

    @Test
    void hostConnectWithoutTheDriverIsRefused() {
        assertThrows(ConnectException.class, () -> muxer.connect(7000, Duration.ofSeconds(1)));
        muxer.activate();
        muxer.reset();
        assertThrows(ConnectException.class, () -> muxer.connect(7000, Duration.ofSeconds(1)));
        assertEquals(0, muxer.connectionCount());
    }

    /** A CREDIT_REQUEST is answered even when stray packets have filled the control queue. */
    @Test
    void creditRequestIsAnsweredWhenTheControlQueueIsFull() throws Exception {
        VsockListener l = muxer.listen(1, VsockMuxer.MAX_CONNECTIONS);
        accept(l, 5000);
        for (int i = 0; i < VsockMuxer.MAX_PENDING_REPLIES + 3; i++) send(10_000 + i, 999, OP_REQUEST);
        assertEquals(VsockMuxer.MAX_PENDING_REPLIES, muxer.pendingControl());
        send(5000, 1, OP_CREDIT_REQUEST);
        int creditUpdates = 0;
        for (GuestVsock.Packet p; (p = next()) != null; ) {
            if (p.header().op() == OP_CREDIT_UPDATE && p.header().dstPort() == 5000) creditUpdates++;
        }
        assertEquals(1, creditUpdates, "exactly one CREDIT_UPDATE answers the request");
    }

    /** A guest that shuts a host connect down instead of accepting it fails the connect at once. */
    @Test
    void guestShutdownDuringAHostConnectFailsTheConnect() throws Exception {
        muxer.activate();
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread connector = Thread.ofPlatform().start(() -> {
            try {
                muxer.connect(7000, Duration.ofMinutes(5));
                outcome.complete(null);
            } catch (Throwable t) {
                outcome.complete(t);
            }
        });
        VsockHeader request = null;
        while (request == null) {
            GuestVsock.Packet p = next();
            if (p != null && p.header().op() == OP_REQUEST) request = p.header();
            else Thread.sleep(5);
        }
        send(guest(7000, request.srcPort(), OP_SHUTDOWN, SHUTDOWN_SEND | SHUTDOWN_RCV, 0), new byte[0]);
        Throwable t = outcome.get(60, TimeUnit.SECONDS);
        assertInstanceOf(ConnectException.class, t, String.valueOf(t));
        assertTrue(t.getMessage().contains("closed the connection before accepting it"), t.getMessage());
        connector.join();
        assertEquals(0, muxer.connectionCount());
    }
}
