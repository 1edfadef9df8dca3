package io.jvmm.virtio.vsock;

import static io.jvmm.virtio.vsock.VsockHeader.*;
import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.virtio.DeviceFailures;
import io.jvmm.virtio.queue.Virtqueue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class VsockDeviceTest {
    private final GuestVsock guest = new GuestVsock(64);
    private final VsockDevice dev = guest.device;

    @AfterEach
    void close() {
        guest.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Guest connects from port {@code src} to host port {@code dst}; returns the accepted stream. */
    private VsockStream guestConnect(VsockListener l, int src) throws Exception {
        guest.send(src, l.port(), OP_REQUEST);
        GuestVsock.Packet p = guest.receive(2000);
        assertEquals(OP_RESPONSE, p.header().op());
        assertEquals(src, p.header().dstPort());
        assertEquals(l.port(), p.header().srcPort());
        assertEquals(GuestVsock.CID, p.header().dstCid());
        assertEquals(HOST_CID, p.header().srcCid());
        return l.accept(Duration.ofSeconds(2)).orElseThrow();
    }

    @Test
    void configHoldsTheGuestCid() {
        assertEquals(19, guest.driver.read(0x008));
        assertEquals(3, guest.driver.readConfig(0, 8)[0]);
        assertThrows(IllegalArgumentException.class, () -> new VsockDevice(2));
    }

    @Test
    void guestConnectsAndDataFlowsBothWays() throws Exception {
        try (VsockListener l = dev.listen(1234)) {
            VsockStream s = guestConnect(l, 5000);
            assertEquals(5000, s.guestPort());
            guest.send(guest.header(5000, 1234, OP_RW, 0, 5), bytes("hello"));
            assertArrayEquals(bytes("hello"), s.input().readNBytes(5));
            s.output().write(bytes("world"));
            GuestVsock.Packet p = guest.receiveIgnoringCredit(2000);
            assertEquals(OP_RW, p.header().op());
            assertArrayEquals(bytes("world"), p.payload());
            assertEquals(VsockConnection.BUF_ALLOC, p.header().bufAlloc());
            assertEquals(5, p.header().fwdCnt(), "the host consumed five bytes");
            // Guest closes: SHUTDOWN both ways, the device finishes with RST; the host sees end of stream.
            guest.send(guest.header(5000, 1234, OP_SHUTDOWN, SHUTDOWN_RCV | SHUTDOWN_SEND, 0), new byte[0]);
            assertEquals(OP_RST, guest.receiveIgnoringCredit(2000).header().op());
            assertEquals(-1, s.input().read());
            assertThrows(IOException.class, () -> s.output().write(1));
            assertEquals(0, dev.connectionCount());
        }
    }

    /**
     * A driver without EVENT_IDX: the device asks for rx notifications (clears NO_NOTIFY) only while
     * a packet waits for a buffer, and suppresses them again once the guest has posted some.
     */
    @Test
    void rxNotificationsAreAskedForOnlyWhileThePacketHasNoBuffer() {
        try (GuestVsock dry = new GuestVsock(0)) {
            int noNotify = Virtqueue.VIRTQ_USED_F_NO_NOTIFY;
            assertEquals(noNotify, dry.rx.usedFlags(), "nothing to send: quiet");
            dry.send(5000, 999, OP_REQUEST); // answered with RST, which finds no buffer
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (dry.rx.usedFlags() != 0) {
                assertTrue(System.nanoTime() < deadline, "a packet without a buffer asks for a notification");
                Thread.onSpinWait();
            }
            dry.postRx(4);
            assertEquals(OP_RST, dry.receive(2000).header().op());
            assertEquals(noNotify, dry.rx.usedFlags(), "buffers again: quiet while they last");
        }
    }

    @Test
    void unknownPortIsReset() {
        guest.send(5000, 999, OP_REQUEST);
        GuestVsock.Packet p = guest.receive(2000);
        assertEquals(OP_RST, p.header().op());
        assertEquals(999, p.header().srcPort());
        assertEquals(5000, p.header().dstPort());
        guest.send(guest.header(5001, 999, OP_RW, 0, 3), bytes("abc"));
        assertEquals(OP_RST, guest.receive(2000).header().op(), "data on no connection");
        guest.send(5002, 999, OP_RST);
        assertNull(guest.poll(200), "an RST is never answered");
    }

    /**
     * A guest that keeps sending to ports nobody listens on, and never posts a receive buffer, must
     * not grow the VMM's heap: replies beyond MAX_PENDING_REPLIES are dropped, and the device
     * answers again once the guest reads.
     */
    @Test
    void repliesWaitingForReceiveBuffersAreBounded() {
        try (GuestVsock dry = new GuestVsock(0)) {
            int extra = 50;
            for (int i = 0; i < VsockMuxer.MAX_PENDING_REPLIES + extra; i++)
                dry.send(10_000 + i % 20_000, 999, OP_REQUEST);
            assertEquals(VsockMuxer.MAX_PENDING_REPLIES, dry.device.muxer().pendingControl());
            assertEquals(extra, dry.device.droppedReplies());
            dry.postRx(8);
            assertEquals(OP_RST, dry.receive(2000).header().op(), "the queued replies still go out");
        }
    }

    /** Past MAX_CONNECTIONS a guest's requests are refused; buffers are allocated only for data carried. */
    @Test
    void guestConnectionsAreCappedAndIdleOnesHoldNoBuffers() throws Exception {
        try (VsockListener l = dev.listen(77)) {
            for (int i = 0; i < VsockMuxer.MAX_CONNECTIONS; i++) {
                guest.send(20_000 + i, 77, OP_REQUEST);
                assertEquals(OP_RESPONSE, guest.receive(2000).header().op(), "connection " + i);
            }
            assertEquals(VsockMuxer.MAX_CONNECTIONS, dev.connectionCount());
            guest.send(40_000, 77, OP_REQUEST);
            GuestVsock.Packet p = guest.receive(2000);
            assertEquals(OP_RST, p.header().op(), "one too many");
            assertEquals(40_000, p.header().dstPort());
            assertEquals(VsockMuxer.MAX_CONNECTIONS, dev.connectionCount());
            VsockStream first = l.accept(Duration.ofSeconds(2)).orElseThrow();
            assertEquals(0, dev.muxer().allocatedBuffers(), "no connection has carried data yet");
            guest.send(guest.header(first.guestPort(), 77, OP_RW, 0, 2), bytes("hi"));
            assertArrayEquals(bytes("hi"), first.input().readNBytes(2));
            assertEquals(1, dev.muxer().allocatedBuffers(), "the one that did holds its receive buffer");
        }
    }

    @Test
    void wrongCidsAndShortPacketsAreDropped() {
        guest.send(new VsockHeader(7, HOST_CID, 5000, 1, 0, TYPE_STREAM, OP_REQUEST, 0, 0, 0), new byte[0]);
        guest.send(new VsockHeader(GuestVsock.CID, 9, 5000, 1, 0, TYPE_STREAM, OP_REQUEST, 0, 0, 0), new byte[0]);
        guest.sendRaw(new byte[20]);
        assertNull(guest.poll(200));
        guest.send(
                new VsockHeader(GuestVsock.CID, HOST_CID, 5000, 1, 0, 2 /* seqpacket */, OP_REQUEST, 0, 0, 0),
                new byte[0]);
        assertEquals(OP_RST, guest.receive(2000).header().op(), "unsupported socket type");
    }

    @Test
    void lengthThatDisagreesWithThePayloadResetsTheConnection() throws Exception {
        try (VsockListener l = dev.listen(1)) {
            VsockStream s = guestConnect(l, 5000);
            guest.send(guest.header(5000, 1, OP_RW, 0, 100), bytes("short"));
            assertEquals(OP_RST, guest.receiveIgnoringCredit(2000).header().op());
            IOException e = assertThrows(IOException.class, () -> s.input().read());
            assertTrue(e.getMessage().contains("reset"), e.getMessage());
        }
    }

    @Test
    void hostConnectsToTheGuest() throws Exception {
        CompletableFuture<VsockStream> f = CompletableFuture.supplyAsync(() -> {
            try {
                return dev.connect(7000, Duration.ofSeconds(5));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        GuestVsock.Packet req = guest.receive(2000);
        assertEquals(OP_REQUEST, req.header().op());
        assertEquals(7000, req.header().dstPort());
        assertTrue(req.header().srcPort() >= VsockMuxer.FIRST_EPHEMERAL_PORT);
        int hostPort = req.header().srcPort();
        guest.send(guest.header(7000, hostPort, OP_RESPONSE, 0, 0), new byte[0]);
        VsockStream s = f.get(5, TimeUnit.SECONDS);
        assertEquals(hostPort, s.hostPort());
        s.output().write(bytes("ping"));
        assertArrayEquals(bytes("ping"), guest.receiveIgnoringCredit(2000).payload());
        // Host closes: SHUTDOWN both, the guest answers RST, the connection is gone.
        s.close();
        GuestVsock.Packet sd = guest.receiveIgnoringCredit(2000);
        assertEquals(OP_SHUTDOWN, sd.header().op());
        assertEquals(SHUTDOWN_RCV | SHUTDOWN_SEND, sd.header().flags());
        guest.send(7000, hostPort, OP_RST);
        long deadline = System.nanoTime() + 2_000_000_000L;
        while (dev.connectionCount() > 0 && System.nanoTime() < deadline) Thread.sleep(5);
        assertEquals(0, dev.connectionCount());
    }

    @Test
    void closeSendsWhatWasWrittenFirst() throws Exception {
        try (VsockListener l = dev.listen(12)) {
            VsockStream s = guestConnect(l, 5000);
            byte[] data = new byte[100_000];
            for (int i = 0; i < data.length; i++) data[i] = (byte) (i * 7 + 3);
            guest.bufAlloc = 65536;
            guest.send(5000, 12, OP_CREDIT_UPDATE);
            s.output().write(data);
            s.close();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            GuestVsock.Packet p;
            while ((p = guest.poll(300)) != null) {
                assertNotEquals(OP_SHUTDOWN, p.header().op(), "SHUTDOWN before the data");
                got.writeBytes(p.payload());
            }
            assertEquals(65536, got.size(), "one credit's worth");
            guest.fwdCnt = 65536;
            guest.send(5000, 12, OP_CREDIT_UPDATE);
            while ((p = guest.receive(2000)).header().op() == OP_RW) got.writeBytes(p.payload());
            assertArrayEquals(data, got.toByteArray());
            assertEquals(OP_SHUTDOWN, p.header().op());
            assertEquals(SHUTDOWN_RCV | SHUTDOWN_SEND, p.header().flags());
            // Data the guest still sends is dropped but credited.
            guest.send(guest.header(5000, 12, OP_RW, 0, 3), bytes("abc"));
            assertThrows(IOException.class, () -> s.input().read());
        }
    }

    @Test
    void unansweredCloseIsResetAfterTheTimeout() throws Exception {
        dev.muxer().closeTimeout = Duration.ofMillis(300);
        try (VsockListener l = dev.listen(13)) {
            VsockStream s = guestConnect(l, 5000);
            s.close();
            assertEquals(OP_SHUTDOWN, guest.receive(2000).header().op());
            GuestVsock.Packet rst = guest.receive(3000); // the guest never answers
            assertEquals(OP_RST, rst.header().op());
            assertEquals(0, dev.connectionCount());
        }
    }

    @Test
    void refusedAndUnansweredConnects() throws Exception {
        CompletableFuture<Void> refused = CompletableFuture.runAsync(() -> {
            ConnectException e = assertThrows(ConnectException.class, () -> dev.connect(7001, Duration.ofSeconds(5)));
            assertTrue(e.getMessage().contains("7001"), e.getMessage());
        });
        GuestVsock.Packet req = guest.receive(2000);
        guest.send(7001, req.header().srcPort(), OP_RST);
        refused.get(5, TimeUnit.SECONDS);

        assertThrows(SocketTimeoutException.class, () -> dev.connect(7002, Duration.ofMillis(100)));
        assertEquals(OP_REQUEST, guest.receive(2000).header().op());
        assertEquals(OP_RST, guest.receive(2000).header().op(), "the abandoned connect is reset");
        assertEquals(0, dev.connectionCount());
    }

    @Test
    void hostWritesRespectTheGuestsCredit() throws Exception {
        guest.bufAlloc = 1000;
        try (VsockListener l = dev.listen(2)) {
            VsockStream s = guestConnect(l, 5000);
            byte[] data = new byte[5000];
            for (int i = 0; i < data.length; i++) data[i] = (byte) i;
            s.output().write(data); // fits the host's own buffer: returns at once
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            GuestVsock.Packet p;
            while ((p = guest.poll(300)) != null) got.writeBytes(p.payload());
            assertEquals(1000, got.size(), "no more than buf_alloc before a credit update");
            // The guest consumed everything: it says so, and the rest follows credit by credit.
            while (got.size() < 5000) {
                guest.fwdCnt = got.size();
                guest.send(5000, 2, OP_CREDIT_UPDATE);
                int before = got.size();
                while ((p = guest.poll(300)) != null) got.writeBytes(p.payload());
                assertTrue(got.size() - before <= 1000 && got.size() > before, "one buffer's worth per update");
            }
            assertArrayEquals(data, got.toByteArray());
        }
    }

    @Test
    void creditRequestIsAnswered() throws Exception {
        try (VsockListener l = dev.listen(3)) {
            guestConnect(l, 5000);
            guest.send(5000, 3, OP_CREDIT_REQUEST);
            GuestVsock.Packet p = guest.receive(2000);
            assertEquals(OP_CREDIT_UPDATE, p.header().op());
            assertEquals(VsockConnection.BUF_ALLOC, p.header().bufAlloc());
        }
    }

    @Test
    void hostReadsGiveTheGuestCreditBack() throws Exception {
        try (VsockListener l = dev.listen(4)) {
            VsockStream s = guestConnect(l, 5000);
            byte[] chunk = new byte[4096];
            for (int i = 0; i < 40; i++) guest.send(guest.header(5000, 4, OP_RW, 0, chunk.length), chunk);
            assertEquals(40 * 4096, s.input().readNBytes(40 * 4096).length);
            GuestVsock.Packet p = guest.receive(2000);
            assertEquals(OP_CREDIT_UPDATE, p.header().op());
            assertTrue(
                    p.header().fwdCnt() >= VsockConnection.BUF_ALLOC / 4,
                    "fwd_cnt " + p.header().fwdCnt());
        }
    }

    @Test
    void guestThatOverrunsItsCreditIsReset() throws Exception {
        try (VsockListener l = dev.listen(5)) {
            VsockStream s = guestConnect(l, 5000);
            byte[] chunk = new byte[64 * 1024];
            for (int i = 0; i < 4; i++) guest.send(guest.header(5000, 5, OP_RW, 0, chunk.length), chunk);
            assertNull(guest.poll(100), "256 KiB fit exactly");
            guest.send(guest.header(5000, 5, OP_RW, 0, 1), new byte[1]);
            assertEquals(OP_RST, guest.receive(2000).header().op());
            assertEquals(
                    256 * 1024, s.input().readNBytes(256 * 1024).length, "what arrived in credit is still readable");
            assertThrows(IOException.class, () -> s.input().read());
        }
    }

    @Test
    void halfCloseFromTheHost() throws Exception {
        try (VsockListener l = dev.listen(6)) {
            VsockStream s = guestConnect(l, 5000);
            s.output().write(bytes("last"));
            s.shutdownOutput();
            assertArrayEquals(bytes("last"), guest.receiveIgnoringCredit(2000).payload());
            GuestVsock.Packet sd = guest.receiveIgnoringCredit(2000);
            assertEquals(OP_SHUTDOWN, sd.header().op());
            assertEquals(SHUTDOWN_SEND, sd.header().flags());
            // The guest still sends; the host still reads.
            guest.send(guest.header(5000, 6, OP_RW, 0, 5), bytes("reply"));
            assertArrayEquals(bytes("reply"), s.input().readNBytes(5));
        }
    }

    @Test
    void listenerClosedMeansReset() throws Exception {
        VsockListener l = dev.listen(8);
        l.close();
        guest.send(5000, 8, OP_REQUEST);
        assertEquals(OP_RST, guest.receive(2000).header().op());
        assertThrows(IllegalStateException.class, () -> {
            VsockListener x = dev.listen(10);
            dev.listen(10);
        });
    }

    @Test
    void fallbackHandlerDecides() throws Exception {
        Map<Integer, VsockStream> taken = new HashMap<>();
        dev.setFallback((port, stream) -> {
            if (port != 77) return false;
            taken.put(port, stream);
            return true;
        });
        guest.send(5000, 77, OP_REQUEST);
        assertEquals(OP_RESPONSE, guest.receive(2000).header().op());
        assertEquals(5000, taken.get(77).guestPort());
        guest.send(5001, 78, OP_REQUEST);
        assertEquals(OP_RST, guest.receive(2000).header().op());
    }

    @Test
    void resetEndsEveryStream() throws Exception {
        try (VsockListener l = dev.listen(11)) {
            VsockStream s = guestConnect(l, 5000);
            guest.driver.write(0x070, 0); // driver resets the device
            IOException e = assertThrows(IOException.class, () -> s.input().read());
            assertTrue(e.getMessage().contains("reset"), e.getMessage());
            assertEquals(0, dev.connectionCount());
        }
    }

    @Test
    void sixtyFourConcurrentStreams() throws Exception {
        int n = 64;
        try (VsockListener l = dev.listen(100)) {
            List<VsockStream> streams = new ArrayList<>();
            for (int i = 0; i < n; i++) streams.add(guestConnect(l, 10_000 + i));
            // Host side echoes every stream on its own thread.
            List<Thread> echo = new ArrayList<>();
            for (VsockStream s : streams) {
                echo.add(Thread.ofPlatform().start(() -> {
                    try {
                        InputStream in = s.input();
                        byte[] b = new byte[4096];
                        int r;
                        while ((r = in.read(b)) > 0) s.output().write(b, 0, r);
                    } catch (IOException ignored) {
                        // the test fails on the data instead
                    }
                }));
            }
            Map<Integer, ByteArrayOutputStream> got = new HashMap<>();
            for (int i = 0; i < n; i++) {
                byte[] msg = bytes("stream " + i + " " + "x".repeat(i * 10));
                guest.send(guest.header(10_000 + i, 100, OP_RW, 0, msg.length), msg);
                got.put(10_000 + i, new ByteArrayOutputStream());
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            int complete = 0;
            while (complete < n && System.nanoTime() < deadline) {
                GuestVsock.Packet p = guest.poll(100);
                if (p == null || p.header().op() != OP_RW) continue;
                ByteArrayOutputStream b = got.get(p.header().dstPort());
                b.writeBytes(p.payload());
                int i = p.header().dstPort() - 10_000;
                if (b.size() == bytes("stream " + i + " " + "x".repeat(i * 10)).length) complete++;
            }
            for (int i = 0; i < n; i++) {
                assertArrayEquals(
                        bytes("stream " + i + " " + "x".repeat(i * 10)),
                        got.get(10_000 + i).toByteArray(),
                        "stream " + i);
            }
            for (VsockStream s : streams) s.close();
            for (Thread t : echo) t.join(5000);
        }
    }

    // ---- bounds: the buffer budget and single-connection listeners ----

    private static final int FULL_CREDIT = VsockConnection.BUF_ALLOC;

    /** {@code g} connects from {@code src} to {@code l} and expects a RESPONSE; returns the accepted stream. */
    private static VsockStream connect(GuestVsock g, VsockListener l, int src) throws Exception {
        g.send(src, l.port(), OP_REQUEST);
        assertEquals(OP_RESPONSE, g.receiveFor(src, 2000).header().op());
        return l.accept(Duration.ofSeconds(2)).orElseThrow();
    }

    /** The guest closes both directions; the device answers RST and forgets the connection. */
    private static void guestCloses(GuestVsock g, int src, int dst) {
        g.send(g.header(src, dst, OP_SHUTDOWN, SHUTDOWN_RCV | SHUTDOWN_SEND, 0), new byte[0]);
        GuestVsock.Packet p;
        do {
            p = g.receiveFor(src, 2000);
        } while (p.header().op() == OP_CREDIT_UPDATE);
        assertEquals(OP_RST, p.header().op());
    }

    /**
     * Credit is only advertised for receive buffers the budget can hold: past it a connection gets
     * buf_alloc 0 and its data is refused with RST, while the ones within keep their full credit.
     * A connection that ends gives its buffer back, and a connection still without credit gets it.
     */
    @Test
    void creditBeyondTheBudgetIsWithheldUntilConnectionsEnd() throws Exception {
        int failures = DeviceFailures.mark();
        try (GuestVsock g = new GuestVsock(64, 4L * FULL_CREDIT);
                VsockListener l = g.device.listen(50)) {
            List<VsockStream> streams = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                g.send(6000 + i, 50, OP_REQUEST);
                GuestVsock.Packet p = g.receiveFor(6000 + i, 2000);
                assertEquals(OP_RESPONSE, p.header().op(), "connection " + i);
                assertEquals(i < 4 ? FULL_CREDIT : 0, p.header().bufAlloc(), "connection " + i);
                streams.add(l.accept(Duration.ofSeconds(2)).orElseThrow());
            }
            assertEquals(4L * FULL_CREDIT, g.device.muxer().bufferBytes());

            // Within the budget, a whole credit's worth goes through.
            byte[] chunk = new byte[VsockConnection.MAX_PAYLOAD];
            for (int i = 0; i < chunk.length; i++) chunk[i] = (byte) (i * 13);
            for (int sent = 0; sent < FULL_CREDIT; sent += chunk.length)
                g.send(g.header(6000, 50, OP_RW, 0, chunk.length), chunk);
            assertEquals(FULL_CREDIT, streams.get(0).input().readNBytes(FULL_CREDIT).length);
            // Without credit, data is refused rather than buffered.
            g.send(g.header(6004, 50, OP_RW, 0, chunk.length), chunk);
            assertEquals(OP_RST, g.receiveFor(6004, 2000).header().op());
            assertEquals(4L * FULL_CREDIT, g.device.muxer().bufferBytes());
            assertTrue(
                    g.device.muxer().heldBufferBytes() <= g.device.muxer().bufferBytes(),
                    "held " + g.device.muxer().heldBufferBytes());

            // One ends: the connection still without credit gets it, and its data goes through.
            guestCloses(g, 6001, 50);
            GuestVsock.Packet update = g.receiveFor(6005, 2000);
            assertEquals(OP_CREDIT_UPDATE, update.header().op());
            assertEquals(FULL_CREDIT, update.header().bufAlloc());
            g.send(g.header(6005, 50, OP_RW, 0, 5), bytes("later"));
            assertArrayEquals(bytes("later"), streams.get(5).input().readNBytes(5));
            assertEquals(4L * FULL_CREDIT, g.device.muxer().bufferBytes());

            for (int port : new int[] {6000, 6002, 6003, 6005}) guestCloses(g, port, 50);
            assertEquals(0, g.device.muxer().bufferBytes(), "every connection gone, every buffer given back");
        }
        assertEquals(List.of(), DeviceFailures.since(failures));
    }

    /** A host write that needs a send buffer the budget cannot hold waits, like a full buffer, for one to end. */
    @Test
    void hostWritesWaitForRoomInTheBudget() throws Exception {
        try (GuestVsock g = new GuestVsock(64, 2L * FULL_CREDIT);
                VsockListener l = g.device.listen(51)) {
            VsockStream a = connect(g, l, 7000);
            connect(g, l, 7001); // the two receive buffers take the whole budget
            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> {
                try {
                    a.output().write(bytes("queued"));
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThrows(
                    TimeoutException.class,
                    () -> write.get(300, TimeUnit.MILLISECONDS),
                    "no send buffer without budget");
            guestCloses(g, 7001, 51);
            write.get(5, TimeUnit.SECONDS);
            GuestVsock.Packet p;
            do {
                p = g.receiveFor(7000, 2000);
            } while (p.header().op() == OP_CREDIT_UPDATE);
            assertEquals(OP_RW, p.header().op());
            assertArrayEquals(bytes("queued"), p.payload());
            assertEquals(2L * FULL_CREDIT, g.device.muxer().bufferBytes(), "a's receive and send buffers");
        }
    }

    /**
     * A guest parks MAX_CONNECTIONS - 1 connections on a port whose host never reads, and each sends
     * as much as it may and more: the device holds no more than the budget and stays usable, and
     * closing the listener gives it all back.
     */
    @Test
    void parkedConnectionsHoldNoMoreThanTheBudget() throws Exception {
        int failures = DeviceFailures.mark();
        long budget = VsockDevice.DEFAULT_BUFFER_BUDGET;
        byte[] chunk = new byte[VsockConnection.MAX_PAYLOAD];
        int parked = VsockMuxer.MAX_CONNECTIONS - 1, credited = 0;
        VsockListener l = dev.listen(52);
        int[] credit = new int[parked];
        for (int i = 0; i < parked; i++) {
            guest.send(30_000 + i, 52, OP_REQUEST);
            GuestVsock.Packet p = guest.receiveFor(30_000 + i, 2000);
            assertEquals(OP_RESPONSE, p.header().op(), "connection " + i);
            credit[i] = p.header().bufAlloc();
            if (credit[i] > 0) credited++;
        }
        assertEquals(budget / FULL_CREDIT, credited);
        for (int i = 0; i < parked; i++) {
            if (credit[i] == 0) {
                guest.send(guest.header(30_000 + i, 52, OP_RW, 0, chunk.length), chunk);
                assertEquals(
                        OP_RST, guest.receiveFor(30_000 + i, 2000).header().op(), "connection " + i + " has no credit");
            } else {
                for (int sent = 0; sent < credit[i]; sent += chunk.length)
                    guest.send(guest.header(30_000 + i, 52, OP_RW, 0, chunk.length), chunk);
            }
            assertTrue(
                    dev.muxer().bufferBytes() <= budget,
                    "charged " + dev.muxer().bufferBytes());
        }
        assertEquals(budget, dev.muxer().bufferBytes());
        assertEquals(budget, dev.muxer().heldBufferBytes(), "the credited connections' receive buffers, full");
        assertEquals(credited, dev.connectionCount());

        // Still answering: a new connection is accepted, without credit until the budget has room.
        try (VsockListener other = dev.listen(53)) {
            guest.send(40_000, 53, OP_REQUEST);
            GuestVsock.Packet p = guest.receiveFor(40_000, 2000);
            assertEquals(OP_RESPONSE, p.header().op());
            assertEquals(0, p.header().bufAlloc());
            VsockStream s = other.accept(Duration.ofSeconds(2)).orElseThrow();
            l.close(); // nobody will accept the parked ones: they are closed, their buffers given back
            GuestVsock.Packet update = guest.receiveFor(40_000, 2000);
            assertEquals(OP_CREDIT_UPDATE, update.header().op());
            assertEquals(FULL_CREDIT, update.header().bufAlloc());
            assertEquals(FULL_CREDIT, dev.muxer().bufferBytes());
            guest.send(guest.header(40_000, 53, OP_RW, 0, 5), bytes("alive"));
            assertArrayEquals(bytes("alive"), s.input().readNBytes(5));
        }
        assertEquals(List.of(), DeviceFailures.since(failures));
    }

    /**
     * listen(port, 1), the agent's readiness port: a second connection while one is live is reset;
     * once the live one ends (the guest closes it, or the host does) a new one is accepted.
     */
    @Test
    void singleConnectionListenerResetsASecondWhileOneIsLive() throws Exception {
        try (VsockListener l = dev.listen(54, 1)) {
            VsockStream first = guestConnect(l, 8000);
            guest.send(8001, 54, OP_REQUEST);
            GuestVsock.Packet p = guest.receive(2000);
            assertEquals(OP_RST, p.header().op());
            assertEquals(8001, p.header().dstPort());
            assertEquals(1, dev.connectionCount());

            // The live one still works both ways.
            guest.send(guest.header(8000, 54, OP_RW, 0, 5), bytes("hello"));
            assertArrayEquals(bytes("hello"), first.input().readNBytes(5));
            first.output().write(bytes("hi"));
            assertArrayEquals(bytes("hi"), guest.receiveIgnoringCredit(2000).payload());

            // The guest closes it (the agent went away): the next one is accepted.
            guestCloses(guest, 8000, 54);
            VsockStream second = guestConnect(l, 8002);
            // The host closes that one: it no longer counts, even before the guest's RST.
            second.close();
            assertEquals(OP_SHUTDOWN, guest.receiveIgnoringCredit(2000).header().op());
            guestConnect(l, 8003);
            guest.send(8004, 54, OP_REQUEST);
            assertEquals(OP_RST, guest.receiveFor(8004, 2000).header().op());
        }
        assertThrows(IllegalArgumentException.class, () -> dev.listen(55, 0));
    }

    @Test
    void budgetMustHoldOneConnection() {
        assertThrows(IllegalArgumentException.class, () -> new VsockDevice(3, FULL_CREDIT));
        assertEquals(VsockDevice.DEFAULT_BUFFER_BUDGET, dev.bufferBudget());
    }
}
