package io.jvmm.virtio.vsock;

import static io.jvmm.virtio.vsock.VsockHeader.*;
import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.virtio.queue.GuestBuffers;
import io.jvmm.virtio.queue.TestBuffers;
import io.jvmm.virtio.vsock.VsockConnection.ProtocolError;
import io.jvmm.virtio.vsock.VsockConnection.State;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The connection state machine on its own: each transition driven with guest headers, without a
 * device, a virtqueue or a thread. The muxer is only its lock, budget and rx wake-up here.
 */
class VsockConnectionTest {
    private static final int HOST_PORT = 1000, GUEST_PORT = 5000, GUEST_BUF = 64 * 1024;
    private static final int BUF = VsockConnection.BUF_ALLOC;

    private final AtomicInteger wakes = new AtomicInteger();
    private VsockMuxer muxer =
            new VsockMuxer(GuestVsock.CID, VsockDevice.DEFAULT_BUFFER_BUDGET, wakes::incrementAndGet);

    // Transitions run under the muxer's lock, as the device's threads call them.
    @BeforeEach
    void lock() {
        muxer.lock.lock();
    }

    @AfterEach
    void unlock() {
        while (muxer.lock.isHeldByCurrentThread()) muxer.lock.unlock();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A header from the guest's port to the host's, with the guest's credit fields. */
    private static VsockHeader guest(int op, int flags, int len, int bufAlloc, int fwdCnt) {
        return new VsockHeader(
                GuestVsock.CID, HOST_CID, GUEST_PORT, HOST_PORT, len, TYPE_STREAM, op, flags, bufAlloc, fwdCnt);
    }

    private static VsockHeader guest(int op) {
        return guest(op, 0, 0, GUEST_BUF, 0);
    }

    /** The whole packet as the device hands it over: header and payload in separate segments. */
    private static GuestBuffers packet(VsockHeader h, byte[] payload) {
        return TestBuffers.of(h.encode(), payload);
    }

    private static boolean rw(VsockConnection c, byte[] payload) throws ProtocolError {
        return c.onRw(
                guest(OP_RW, 0, payload.length, GUEST_BUF, 0),
                packet(guest(OP_RW, 0, payload.length, GUEST_BUF, 0), payload));
    }

    /** A connection the guest opened, whose RESPONSE went out (so it was granted its credit). */
    private VsockConnection accepted() {
        VsockConnection c = VsockConnection.fromRequest(muxer, guest(OP_REQUEST), null);
        VsockHeader response = c.header(OP_RESPONSE);
        assertEquals(BUF, response.bufAlloc());
        return c;
    }

    /** What the connection writes into an rx buffer of {@code size} bytes. */
    private static GuestVsock.Packet next(VsockConnection c, int size) {
        byte[] rx = new byte[size];
        int n = c.writePacket(TestBuffers.of(rx));
        VsockHeader h = VsockHeader.parse(Arrays.copyOf(rx, VsockHeader.SIZE));
        assertEquals(VsockHeader.SIZE + h.len(), n, "bytes written = header + len");
        return new GuestVsock.Packet(h, Arrays.copyOfRange(rx, VsockHeader.SIZE, n));
    }

    // ---- connection setup ----

    @Test
    void hostConnectIsEstablishedByTheResponse() throws Exception {
        VsockConnection c = VsockConnection.connecting(muxer, 50_000, GUEST_PORT);
        VsockHeader request = c.header(OP_REQUEST);
        assertEquals(50_000, request.srcPort());
        assertEquals(GUEST_PORT, request.dstPort());
        assertEquals(GuestVsock.CID, request.dstCid());
        assertEquals(BUF, request.bufAlloc(), "the request already carries our credit");
        assertEquals(BUF, muxer.budget().charged(), "and the receive buffer is charged before it is advertised");
        assertEquals(State.CONNECTING, c.state());
        assertThrows(TimeoutException.class, () -> c.awaitEstablished(Duration.ZERO));

        assertTrue(c.onResponse(guest(OP_RESPONSE)));
        assertEquals(State.ESTABLISHED, c.state());
        assertSame(c, c.awaitEstablished(Duration.ZERO));
        ProtocolError e = assertThrows(ProtocolError.class, () -> c.onResponse(guest(OP_RESPONSE)));
        assertEquals("unexpected RESPONSE", e.getMessage());
    }

    @Test
    void dataBeforeTheResponseIsAProtocolError() {
        VsockConnection c = VsockConnection.connecting(muxer, 50_000, GUEST_PORT);
        ProtocolError e = assertThrows(ProtocolError.class, () -> rw(c, bytes("early")));
        assertEquals("data before RESPONSE", e.getMessage());
    }

    @Test
    void rstRefusesAWaitingConnect() {
        VsockConnection c = VsockConnection.connecting(muxer, 50_000, 7001);
        c.onRst();
        assertEquals(State.CLOSED, c.state());
        ConnectException e = assertThrows(ConnectException.class, () -> c.awaitEstablished(Duration.ZERO));
        assertTrue(e.getMessage().contains("7001"), e.getMessage());
        assertEquals(0, muxer.budget().charged(), "a connection that never advertised credit holds none");
    }

    @Test
    void deviceResetFailsAWaitingConnect() {
        VsockConnection c = VsockConnection.connecting(muxer, 50_000, GUEST_PORT);
        c.header(OP_REQUEST);
        c.deviceReset();
        IOException e = assertThrows(IOException.class, () -> c.awaitEstablished(Duration.ZERO));
        assertEquals("the vsock device was reset", e.getMessage());
        assertEquals(0, muxer.budget().charged(), "the receive buffer went back");
    }

    // ---- guest -> host data and our credit ----

    @Test
    void rwLengthMustMatchThePayloadAndItsBound() throws Exception {
        VsockConnection c = accepted();
        byte[] five = bytes("short");
        VsockHeader lying = guest(OP_RW, 0, 100, GUEST_BUF, 0);
        ProtocolError e = assertThrows(ProtocolError.class, () -> c.onRw(lying, packet(lying, five)));
        assertEquals("RW len 100 but 5 payload bytes", e.getMessage());
        byte[] big = new byte[VsockConnection.MAX_PAYLOAD + 1];
        VsockHeader tooBig = guest(OP_RW, 0, big.length, GUEST_BUF, 0);
        assertThrows(ProtocolError.class, () -> c.onRw(tooBig, packet(tooBig, big)));
        VsockHeader negative = guest(OP_RW, 0, -1, GUEST_BUF, 0);
        e = assertThrows(ProtocolError.class, () -> c.onRw(negative, packet(negative, five)));
        assertTrue(e.getMessage().startsWith("RW len 4294967295 "), e.getMessage());
    }

    @Test
    void guestDataUpToTheCreditIsKeptAndOneByteMoreIsAnError() throws Exception {
        VsockConnection c = accepted();
        byte[] chunk = new byte[VsockConnection.MAX_PAYLOAD];
        for (int sent = 0; sent < BUF; sent += chunk.length) assertFalse(rw(c, chunk), "nothing to send back yet");
        ProtocolError e = assertThrows(ProtocolError.class, () -> rw(c, new byte[1]));
        assertEquals("guest overran its credit", e.getMessage());
        muxer.lock.unlock();
        assertEquals(BUF, c.input().readNBytes(BUF).length, "what came within the credit is readable");
    }

    @Test
    void aConnectionPastTheBudgetGetsNoCreditAndItsDataIsRefused() throws Exception {
        muxer.lock.unlock();
        muxer = new VsockMuxer(GuestVsock.CID, 2L * BUF, wakes::incrementAndGet);
        muxer.lock.lock();
        VsockConnection a = accepted();
        accepted();
        VsockConnection c = VsockConnection.fromRequest(muxer, guest(OP_REQUEST), null);
        assertEquals(0, c.header(OP_RESPONSE).bufAlloc(), "the budget holds two receive buffers");
        assertFalse(c.hasCredit());
        assertFalse(c.owesPacket());
        assertThrows(ProtocolError.class, () -> rw(c, new byte[1]));

        // a ends (the guest shuts down both ways): its buffer goes back, and c may now be granted it.
        int before = wakes.get();
        a.onShutdown(guest(OP_SHUTDOWN, SHUTDOWN_RCV | SHUTDOWN_SEND, 0, GUEST_BUF, 0));
        assertEquals(BUF, muxer.budget().charged());
        assertTrue(wakes.get() > before, "the rx thread is woken to grant it");
        assertTrue(c.owesPacket(), "a CREDIT_UPDATE will carry the credit");
        GuestVsock.Packet update = next(c, 4096);
        assertEquals(OP_CREDIT_UPDATE, update.header().op());
        assertEquals(BUF, update.header().bufAlloc());
        assertTrue(c.hasCredit());
        assertFalse(rw(c, bytes("now")));
        assertEquals(2L * BUF, muxer.budget().charged());
    }

    @Test
    void hostReadsOweTheGuestACreditUpdateAfterAQuarterOfTheBuffer() throws Exception {
        VsockConnection c = accepted();
        byte[] chunk = new byte[BUF / 4 - 1];
        rw(c, chunk);
        rw(c, new byte[1]);
        muxer.lock.unlock();
        assertEquals(chunk.length, c.input().read(new byte[chunk.length]));
        muxer.lock.lock();
        assertFalse(c.owesPacket(), "one byte short of a quarter");
        muxer.lock.unlock();
        int before = wakes.get();
        assertEquals(1, c.input().read(new byte[1]));
        assertEquals(before + 1, wakes.get(), "the read that makes it due wakes the rx thread");
        muxer.lock.lock();
        assertTrue(c.owesPacket());
        GuestVsock.Packet p = next(c, 4096);
        assertEquals(OP_CREDIT_UPDATE, p.header().op());
        assertEquals(BUF / 4, p.header().fwdCnt());
        assertFalse(c.owesPacket(), "the guest heard it");
        c.onCreditRequest(guest(OP_CREDIT_REQUEST));
        assertTrue(c.owesPacket(), "a request is always answered");
        assertEquals(OP_CREDIT_UPDATE, next(c, 4096).header().op());
        assertFalse(c.owesPacket(), "once");
    }

    // ---- host -> guest data and the guest's credit ----

    @Test
    void hostDataGoesOutWithinTheGuestsCreditAndTheRxBuffer() throws Exception {
        VsockConnection c = VsockConnection.fromRequest(muxer, guest(OP_REQUEST, 0, 0, 1000, 0), null);
        muxer.lock.unlock();
        byte[] data = new byte[5000];
        for (int i = 0; i < data.length; i++) data[i] = (byte) i;
        c.output().write(data); // fits the send buffer: returns at once
        muxer.lock.lock();
        assertTrue(c.owesPacket());
        GuestVsock.Packet p = next(c, VsockHeader.SIZE + 600);
        assertEquals(OP_RW, p.header().op());
        assertArrayEquals(Arrays.copyOfRange(data, 0, 600), p.payload(), "bounded by the rx buffer");
        p = next(c, 8192);
        assertArrayEquals(Arrays.copyOfRange(data, 600, 1000), p.payload(), "bounded by the guest's buf_alloc");
        assertFalse(c.owesPacket(), "no credit left");

        assertTrue(c.onCreditUpdate(guest(OP_CREDIT_UPDATE, 0, 0, 1000, 500)), "the guest consumed 500 bytes");
        assertTrue(c.owesPacket());
        p = next(c, 8192);
        assertArrayEquals(Arrays.copyOfRange(data, 1000, 1500), p.payload());
        assertFalse(c.owesPacket());
    }

    @Test
    void hostCloseSendsTheDataThenShutdownAndWaitsForTheGuestsRst() throws Exception {
        muxer.closeTimeout = Duration.ofSeconds(8);
        VsockConnection c = accepted();
        muxer.lock.unlock();
        c.output().write(bytes("bye"));
        long closedAt = System.nanoTime();
        c.close();
        muxer.lock.lock();
        assertEquals(OP_RW, next(c, 4096).header().op());
        GuestVsock.Packet sd = next(c, 4096);
        assertEquals(OP_SHUTDOWN, sd.header().op());
        assertEquals(SHUTDOWN_RCV | SHUTDOWN_SEND, sd.header().flags());
        assertFalse(c.owesPacket(), "one SHUTDOWN");
        assertEquals(0, muxer.budget().charged(), "neither buffer can fill any more");

        // What the guest still sends is discarded but credited.
        byte[] chunk = new byte[BUF / 4];
        assertTrue(rw(c, chunk), "a quarter consumed: the guest is owed an update");
        assertThrows(IOException.class, () -> c.input().read());

        assertTrue(c.closing());
        assertFalse(c.closeExpired(closedAt));
        assertTrue(c.closeExpired(closedAt + Duration.ofSeconds(9).toNanos()));
        c.onRst();
        assertEquals(State.CLOSED, c.state());
    }

    @Test
    void shutdownOfOneDirectionThenTheOther() throws Exception {
        VsockConnection c = accepted();
        rw(c, bytes("last"));
        assertFalse(c.onShutdown(guest(OP_SHUTDOWN, SHUTDOWN_SEND, 0, GUEST_BUF, 0)));
        assertEquals(State.ESTABLISHED, c.state());
        muxer.lock.unlock();
        assertArrayEquals(bytes("last"), c.input().readNBytes(4));
        assertEquals(-1, c.input().read(), "end of stream after the data");
        c.output().write(bytes("still")); // the guest still receives
        muxer.lock.lock();
        assertArrayEquals(bytes("still"), next(c, 4096).payload());

        assertTrue(c.onShutdown(guest(OP_SHUTDOWN, SHUTDOWN_RCV, 0, GUEST_BUF, 0)));
        assertEquals(State.CLOSED, c.state(), "both directions done: the muxer answers RST");
        muxer.lock.unlock();
        IOException e = assertThrows(IOException.class, () -> c.output().write(1));
        assertTrue(e.getMessage().endsWith("closed by the guest"), e.getMessage());
        assertEquals(0, muxer.budget().charged());
    }

    @Test
    void guestThatStopsReceivingFailsHostWrites() throws Exception {
        VsockConnection c = accepted();
        c.onShutdown(guest(OP_SHUTDOWN, SHUTDOWN_RCV, 0, GUEST_BUF, 0));
        muxer.lock.unlock();
        IOException e = assertThrows(IOException.class, () -> c.output().write(1));
        assertTrue(e.getMessage().endsWith("the guest stopped receiving"), e.getMessage());
    }

    @Test
    void resetEndsTheStreamsWithTheReason() {
        VsockConnection c = accepted();
        c.reset("guest overran its credit");
        assertEquals(State.CLOSED, c.state());
        assertFalse(c.owesPacket());
        assertEquals(0, muxer.budget().charged());
        muxer.lock.unlock();
        IOException e = assertThrows(IOException.class, () -> c.input().read());
        assertTrue(e.getMessage().endsWith("reset: guest overran its credit"), e.getMessage());
    }
}
