package io.jvmm.virtio.vsock;

import static io.jvmm.virtio.vsock.VsockHeader.*;

import io.jvmm.virtio.queue.GuestBuffers;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One stream connection as a state machine (virtio 1.2 section 5.10.6): its state, its
 * {@link ConnectionBuffers} and its {@link Credit} (5.10.6.3). The muxer hands each guest packet
 * for it to one of the {@code on...} transitions and asks it for the packets it owes the guest
 * ({@link #writePacket}); host threads use it as a {@link VsockStream}. A guest packet that breaks
 * the protocol throws {@link ProtocolError}, and the muxer resets the connection.
 *
 * <p>Every field is guarded by the muxer's lock, which host threads (through the streams) and the
 * device threads share: transitions are called with it held, and a condition wakes host readers
 * and writers. The receive buffer is charged to the budget when a header first advertises it as
 * buf_alloc; both buffers go back once they can no longer fill.
 */
final class VsockConnection implements VsockStream {
    enum State {
        CONNECTING,
        ESTABLISHED,
        CLOSED
    }

    /** Our receive buffer: what we advertise as buf_alloc. */
    static final int BUF_ALLOC = ConnectionBuffers.RECEIVE;
    /** An RW packet carries at most this much payload (Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE). */
    static final int MAX_PAYLOAD = 64 * 1024;

    /** A guest packet the connection cannot take; the message says why it is reset. */
    static final class ProtocolError extends Exception {
        ProtocolError(String message) {
            super(message, null, false, false);
        } // guest-triggered: no stack trace
    }

    private final VsockMuxer muxer;
    private final ReentrantLock lock;
    private final Condition changed;
    private final long guestCid;
    private final int hostPort;
    private final int guestPort;
    /** The listener that accepted it, if one did: its live connections may be limited. */
    private final PortListener listener;
    /** A host connect waiting for the guest's RESPONSE; null for connections the guest opened. */
    private final PendingConnect established;

    private State state;
    /** Why the connection ended, for host readers and writers. */
    private String closedReason;

    private final ConnectionBuffers buffers;
    private final ByteRing inbound; // guest -> host
    private final ByteRing outbound; // host -> guest
    private final Credit credit = new Credit();

    private boolean peerSendShutdown; // guest sends no more: EOF after inbound drains
    private boolean peerRecvShutdown; // guest receives no more: host writes fail
    private boolean hostOutputShut; // host will write no more; SHUTDOWN goes out after outbound drains
    private boolean hostClosed; // host closed the stream: reads fail, guest data is discarded (credited)
    private boolean creditRequested; // the guest sent CREDIT_REQUEST and no header has answered it yet
    private boolean shutdownSent;
    private long closeDeadline; // nanoTime after which a host-closed connection is reset, answered or not

    private final InputStream in = ConnectionStreams.input(this);
    private final OutputStream out = ConnectionStreams.output(this);

    private VsockConnection(
            VsockMuxer muxer,
            int hostPort,
            int guestPort,
            State state,
            PortListener listener,
            PendingConnect established) {
        this.muxer = muxer;
        this.lock = muxer.lock;
        this.changed = lock.newCondition();
        this.buffers = new ConnectionBuffers(muxer.budget());
        this.inbound = buffers.inbound();
        this.outbound = buffers.outbound();
        this.guestCid = muxer.guestCid();
        this.hostPort = hostPort;
        this.guestPort = guestPort;
        this.state = state;
        this.listener = listener;
        this.established = established;
    }

    /** A connection the host opens: CONNECTING until the guest's RESPONSE. */
    static VsockConnection connecting(VsockMuxer muxer, int hostPort, int guestPort) {
        return new VsockConnection(muxer, hostPort, guestPort, State.CONNECTING, null, new PendingConnect());
    }

    /**
     * The connection a guest's REQUEST opens, ESTABLISHED at once (the muxer answers RESPONSE).
     * {@code listener} is the one that accepts it, or null when the fallback handler does.
     */
    static VsockConnection fromRequest(VsockMuxer muxer, VsockHeader request, PortListener listener) {
        VsockConnection c =
                new VsockConnection(muxer, request.dstPort(), request.srcPort(), State.ESTABLISHED, listener, null);
        c.credit.takePeer(request);
        return c;
    }

    // ---- transitions on guest packets (caller holds the lock) ----

    /** RESPONSE: the guest accepted the host's connect. Returns true: the rx thread may send data. */
    boolean onResponse(VsockHeader h) throws ProtocolError {
        credit.takePeer(h);
        if (state != State.CONNECTING) throw new ProtocolError("unexpected RESPONSE");
        state = State.ESTABLISHED;
        established.accept(this);
        changed.signalAll();
        return true;
    }

    /**
     * RW: data from the guest, which must fit the credit we gave. Once nobody will read it, it is
     * discarded but counted as consumed, so the guest's credit is not lost. Returns true when the
     * rx thread has something new to send.
     */
    boolean onRw(VsockHeader h, GuestBuffers packet) throws ProtocolError {
        credit.takePeer(h);
        long payload = packet.length() - VsockHeader.SIZE;
        if (state == State.CONNECTING) throw new ProtocolError("data before RESPONSE");
        if (payload != h.len() || payload > MAX_PAYLOAD) {
            throw new ProtocolError(
                    "RW len " + Integer.toUnsignedString(h.len()) + " but " + payload + " payload bytes");
        }
        int n = (int) payload;
        if (hostClosed || peerSendShutdown) {
            credit.consumed(n);
            return credit.updateDue();
        }
        if (n > inbound.free()) throw new ProtocolError("guest overran its credit");
        inbound.put(packet, VsockHeader.SIZE, n);
        changed.signalAll();
        return hasDataToSend();
    }

    /** CREDIT_UPDATE: the guest's window may have opened. Returns true when data can go out now. */
    boolean onCreditUpdate(VsockHeader h) {
        credit.takePeer(h);
        changed.signalAll();
        return hasDataToSend();
    }

    /**
     * CREDIT_REQUEST: the connection now owes a CREDIT_UPDATE. It goes out with the connection's
     * packets, not as a queued reply that a full control queue could drop: the guest would then wait
     * for credit that this side believed sent.
     */
    void onCreditRequest(VsockHeader h) {
        credit.takePeer(h);
        creditRequested = true;
    }

    /**
     * SHUTDOWN: the guest sends and/or receives no more. With both directions done the connection
     * is CLOSED, and the muxer finishes it with RST, as Linux and Firecracker expect. Returns true
     * when the rx thread has something new to send.
     */
    boolean onShutdown(VsockHeader h) {
        credit.takePeer(h);
        if ((h.flags() & SHUTDOWN_SEND) != 0) peerSendShutdown = true;
        if ((h.flags() & SHUTDOWN_RCV) != 0) peerRecvShutdown = true;
        releaseSpentBuffers(); // RCV: what the host wrote will never be read; SEND: no more data comes
        changed.signalAll();
        if (peerSendShutdown && peerRecvShutdown) {
            terminate(closedReason != null ? closedReason : "closed by the guest");
            return true;
        }
        return hasDataToSend(); // its credit fields may have opened the window
    }

    /** RST from the guest: the connection is gone; a host connect waiting for it was refused. */
    void onRst() {
        if (established != null) {
            established.fail(new ConnectException("vsock: guest port " + guestPort + " refused the connection"));
        }
        terminate(closedReason != null ? closedReason : "reset by the guest");
    }

    /** The guest broke the protocol ({@code why}): the connection ends; the muxer sends the RST. */
    void reset(String why) {
        if (established != null) established.fail(new ConnectException("vsock: " + why));
        terminate("reset: " + why);
    }

    /** The device was reset: every waiter fails, a host connect included. */
    void deviceReset() {
        String why = "the vsock device was reset";
        if (established != null) established.fail(new IOException(why));
        terminate(why);
    }

    /** Marks the connection ended and wakes every waiter; a host connect still waiting fails. */
    void terminate(String reason) {
        if (state == State.CLOSED) return;
        state = State.CLOSED;
        closedReason = reason;
        if (established != null) {
            established.fail(new ConnectException(
                    "vsock: guest port " + guestPort + " closed the connection before accepting it (" + reason + ")"));
        }
        releaseSpentBuffers();
        changed.signalAll();
    }

    // ---- packets to the guest (caller holds the lock) ----

    /**
     * Our header for {@code op} on this connection. It carries our buf_alloc, so this is where credit
     * is granted: the receive buffer is reserved from the budget first, and without room buf_alloc
     * stays 0 (the guest waits for a CREDIT_UPDATE, see {@link #creditGrantable}).
     */
    VsockHeader header(int op) {
        return header(op, 0);
    }

    private VsockHeader header(int op, int flags) {
        grantCredit();
        creditRequested = false; // every header carries buf_alloc and fwd_cnt: it answers a CREDIT_REQUEST
        return VsockHeader.toGuest(
                guestCid, hostPort, guestPort, op, flags, credit.bufAlloc(), credit.fwdCntForHeader());
    }

    /** Something for the rx thread to send on this connection: data, a SHUTDOWN or a credit update. */
    boolean owesPacket() {
        return hasDataToSend()
                || (state == State.ESTABLISHED && (credit.updateDue() || creditRequested))
                || creditGrantable();
    }

    /**
     * Writes the packet it owes into {@code out} (at least a header long): the SHUTDOWN once the data
     * went out, else data within the guest's credit, else a CREDIT_UPDATE. Returns the bytes written.
     */
    int writePacket(GuestBuffers out) {
        if (shutdownDue()) {
            shutdownSent = true;
            releaseSpentBuffers();
            out.write(
                    0,
                    header(OP_SHUTDOWN, hostClosed ? SHUTDOWN_RCV | SHUTDOWN_SEND : SHUTDOWN_SEND)
                            .encode());
            return VsockHeader.SIZE;
        }
        if (outbound.size() == 0 || credit.peerCredit() <= 0 || peerRecvShutdown) {
            out.write(0, header(OP_CREDIT_UPDATE, 0).encode());
            return VsockHeader.SIZE;
        }
        int n = (int) Math.min(
                Math.min(outbound.size(), credit.peerCredit()), Math.min(out.length() - VsockHeader.SIZE, MAX_PAYLOAD));
        VsockHeader rw = header(OP_RW, 0).withLen(n);
        outbound.take(out, VsockHeader.SIZE, n);
        credit.sent(n);
        out.write(0, rw.encode());
        changed.signalAll(); // room for blocked host writers
        return VsockHeader.SIZE + n;
    }

    // ---- credit and buffers ----

    /** The guest may still send data that we keep, so a receive buffer means memory. */
    private boolean receiving() {
        return state != State.CLOSED && !hostClosed && !peerSendShutdown;
    }

    /** Reserves the receive buffer for BUF_ALLOC of credit if it has none yet and the budget has room. */
    private void grantCredit() {
        if (!credit.granted() && receiving() && buffers.reserveReceive()) credit.grant();
    }

    /** Still without credit, and the budget has room for it now: a CREDIT_UPDATE will carry it. */
    private boolean creditGrantable() {
        return !credit.granted() && state == State.ESTABLISHED && receiving() && buffers.receiveReservable();
    }

    /**
     * Gives back to the budget the buffers that can no longer fill: the receive buffer once the
     * guest can send no more and the host has read what is left (or closed), the send buffer once
     * nothing more can go to the guest.
     */
    private void releaseSpentBuffers() {
        buffers.releaseSpent(!receiving(), state == State.CLOSED || peerRecvShutdown || shutdownSent);
    }

    /** Something for the rx thread to send: data within credit, or the SHUTDOWN after the data. */
    private boolean hasDataToSend() {
        if (state != State.ESTABLISHED) return false;
        if (outbound.size() > 0 && credit.peerCredit() > 0 && !peerRecvShutdown) return true;
        return shutdownDue();
    }

    /** The host's SHUTDOWN goes out once what it wrote has (or the guest stopped receiving). */
    private boolean shutdownDue() {
        return hostOutputShut && !shutdownSent && (outbound.size() == 0 || peerRecvShutdown);
    }

    // ---- what the muxer asks (caller holds the lock) ----

    State state() {
        return state;
    }

    /** Whether the guest was promised a receive buffer (buf_alloc above 0). */
    boolean hasCredit() {
        return credit.granted();
    }

    /** Closed by the host and waiting for the guest's RST. */
    boolean closing() {
        return closeDeadline != 0;
    }

    /** Closed by the host, and the guest's RST did not come in time. */
    boolean closeExpired(long now) {
        return closeDeadline != 0 && now - closeDeadline > 0;
    }

    /** Whether it counts against {@code l}'s limit: accepted there and not closed by the host. */
    boolean countsAgainst(PortListener l) {
        return listener == l && !hostClosed;
    }

    /** Its buffers (for tests). */
    ConnectionBuffers buffers() {
        return buffers;
    }

    // ---- the host's side: VsockStream ----

    /** Waits for the guest's RESPONSE to a host connect; throws what refused it. */
    VsockConnection awaitEstablished(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        return established.await(timeout);
    }

    @Override
    public InputStream input() {
        return in;
    }

    @Override
    public OutputStream output() {
        return out;
    }

    @Override
    public int hostPort() {
        return hostPort;
    }

    @Override
    public int guestPort() {
        return guestPort;
    }

    @Override
    public void shutdownOutput() {
        lock.lock();
        try {
            if (hostOutputShut || state == State.CLOSED) return;
            hostOutputShut = true;
        } finally {
            lock.unlock();
        }
        muxer.wakeRx();
    }

    /**
     * The host is done with the stream: what it wrote still goes out (as a socket's close() sends
     * its buffered data), then SHUTDOWN(RCV|SEND); the guest's RST ends the connection, or the
     * muxer's close timeout does.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (hostClosed) return;
            switch (state) {
                case CLOSED -> {
                    // Already ended by the guest or a reset: only what the host did not read is left.
                    hostClosed = true;
                    inbound.clear();
                    releaseSpentBuffers();
                    return;
                }
                case CONNECTING -> {
                    muxer.abandon(this, "closed by the host");
                    return;
                }
                case ESTABLISHED -> {
                    hostClosed = true;
                    hostOutputShut = true;
                    inbound.clear();
                    releaseSpentBuffers();
                    closedReason = "closed by the host";
                    closeDeadline = System.nanoTime() + muxer.closeTimeout.toNanos();
                    changed.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
        muxer.wakeRx();
    }

    @Override
    public String toString() {
        return "vsock " + hostPort + " <-> guest:" + guestPort;
    }

    /**
     * Takes up to {@code len} bytes the guest sent, blocking until there are some; -1 once the guest
     * shut down sending and all was read. What is read is credited back to the guest (fwd_cnt).
     */
    int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) return 0;
        boolean update;
        int n;
        lock.lock();
        try {
            while (inbound.size() == 0 || hostClosed) {
                if (hostClosed) throw new IOException(this + ": stream closed");
                if (peerSendShutdown) return -1;
                if (state == State.CLOSED) throw new IOException(this + ": " + closedReason);
                changed.awaitUninterruptibly();
            }
            n = inbound.take(b, off, len);
            credit.consumed(n);
            update = credit.updateDue();
            releaseSpentBuffers();
        } finally {
            lock.unlock();
        }
        if (update) muxer.wakeRx();
        return n;
    }

    /** Bytes {@link #read} returns without blocking. */
    int available() {
        lock.lock();
        try {
            return inbound.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Queues {@code len} bytes for the guest, blocking while the send buffer is full or the budget
     * has no room for it; fails once the connection ended, the guest stopped receiving or the host
     * shut down output.
     */
    void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        while (len > 0) {
            int n;
            lock.lock();
            try {
                while (true) {
                    if (state == State.CLOSED)
                        throw new IOException(this + ": " + (closedReason == null ? "closed" : closedReason));
                    if (peerRecvShutdown) throw new IOException(this + ": the guest stopped receiving");
                    if (hostOutputShut) throw new IOException(this + ": output was shut down");
                    if (buffers.sendRoom()) break;
                    // Blocks like a full buffer: until the guest reads, or until other
                    // connections give budget back (BufferBudget.release wakes us).
                    try {
                        buffers.awaitSendRoom(changed);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for room to write");
                    }
                }
                n = Math.min(len, outbound.free());
                outbound.put(b, off, n);
            } finally {
                lock.unlock();
            }
            muxer.wakeRx();
            off += n;
            len -= n;
        }
    }
}
