package io.jvmm.virtio.vsock;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One stream connection's state: both byte buffers and the credit accounting of virtio 1.2 section
 * 5.10.6.3. Every field is guarded by the device's lock, which host threads (through the streams)
 * and the device threads share; conditions wake host readers and writers.
 *
 * <p>Both buffers are charged to the device's buffer budget: the receive buffer when a header first
 * advertises it as buf_alloc, the send buffer at the host's first write. Each goes back to the
 * budget once it can no longer fill.
 */
final class VsockConnection implements VsockStream {
    enum State { CONNECTING, ESTABLISHED, CLOSED }

    /** Our receive buffer: what we advertise as buf_alloc. */
    static final int BUF_ALLOC = 256 * 1024;
    /** Host writes block beyond this much unsent data. */
    static final int OUT_BUF = 256 * 1024;

    final VsockDevice device;
    final ReentrantLock lock;
    final int hostPort;
    final int guestPort;
    State state;
    /** Why the connection ended, for host readers and writers. */
    String closedReason;

    /** The listener that accepted it, if one did: its live connections may be limited. */
    VsockListener listener;

    // guest -> host
    final ByteRing inbound = new ByteRing();
    /**
     * The buf_alloc every header carries: 0 until the budget could reserve BUF_ALLOC for the receive
     * buffer, then BUF_ALLOC for good. Never lowered: the guest may already have that much in flight,
     * and a peer that computes credit in unsigned arithmetic would read a lower one as a huge credit.
     */
    int bufAlloc;
    /** Bytes the host consumed (our fwd_cnt) and the value the guest last heard. */
    int fwdCnt, fwdCntSent;
    boolean peerSendShutdown;   // guest sends no more: EOF after inbound drains

    // host -> guest
    final ByteRing outbound = new ByteRing();
    /** Bytes sent to the guest (tx_cnt); the guest's buffer size and consumption from its last header. */
    int txCnt, peerBufAlloc, peerFwdCnt;
    boolean peerRecvShutdown;   // guest receives no more: host writes fail
    boolean hostOutputShut;     // host will write no more; SHUTDOWN goes out after outbound drains
    boolean hostClosed;         // host closed the stream: reads fail, guest data is discarded (credited)
    boolean shutdownSent;
    long closeDeadline;         // nanoTime after which a host-closed connection is reset, answered or not
    boolean awaitingBuffer;     // a host writer waits for the budget to have room for the send buffer

    final Condition changed;

    private final InputStream in = new In();
    private final OutputStream out = new Out();

    VsockConnection(VsockDevice device, int hostPort, int guestPort, State state) {
        this.device = device;
        this.lock = device.lock;
        this.changed = lock.newCondition();
        this.hostPort = hostPort;
        this.guestPort = guestPort;
        this.state = state;
    }

    /** Free space in the guest's receive buffer as we know it. */
    int peerCredit() { return peerBufAlloc - (txCnt - peerFwdCnt); }

    /** Takes the credit fields of any packet from the guest. */
    void updatePeerCredit(VsockHeader h) {
        peerBufAlloc = h.bufAlloc();
        peerFwdCnt = h.fwdCnt();
    }

    /** The guest may be blocked on credit: tell it once a quarter of the buffer was freed. */
    boolean creditUpdateDue() { return fwdCnt - fwdCntSent >= BUF_ALLOC / 4; }

    /** The guest may still send data that we keep, so a receive buffer means memory. */
    boolean receiving() { return state != State.CLOSED && !hostClosed && !peerSendShutdown; }

    /**
     * Reserves the receive buffer for BUF_ALLOC of credit if the connection has none yet and the
     * budget has room; called before any header goes out, so no header promises unreserved memory.
     */
    void grantCredit() {
        if (bufAlloc == 0 && receiving() && device.reserveBuffer(BUF_ALLOC)) {
            inbound.reserve(BUF_ALLOC);
            bufAlloc = BUF_ALLOC;
        }
    }

    /** Still without credit, and the budget has room for it now: a CREDIT_UPDATE will carry it. */
    boolean creditGrantable() {
        return bufAlloc == 0 && state == State.ESTABLISHED && receiving() && device.bufferRoom(BUF_ALLOC);
    }

    /**
     * Gives back to the budget the buffers that can no longer fill: the receive buffer once the
     * guest can send no more and the host has read what is left (or closed), the send buffer once
     * nothing more can go to the guest. Caller holds the lock.
     */
    void releaseSpentBuffers() {
        if (inbound.reserved() && !receiving() && inbound.size() == 0) device.releaseBuffer(inbound.release());
        if (outbound.reserved() && (state == State.CLOSED || peerRecvShutdown || shutdownSent)) {
            device.releaseBuffer(outbound.release());
        }
    }

    /** Something for the rx thread to send: data within credit, or the SHUTDOWN after the data. */
    boolean hasDataToSend() {
        if (state != State.ESTABLISHED) return false;
        if (outbound.size() > 0 && peerCredit() > 0 && !peerRecvShutdown) return true;
        return shutdownDue();
    }

    /** Something for the rx thread to send on this connection: data, a SHUTDOWN or a credit update. */
    boolean owesPacket() {
        return hasDataToSend() || (state == State.ESTABLISHED && creditUpdateDue()) || creditGrantable();
    }

    /** The host's SHUTDOWN goes out once what it wrote has (or the guest stopped receiving). */
    boolean shutdownDue() {
        return hostOutputShut && !shutdownSent && (outbound.size() == 0 || peerRecvShutdown);
    }

    /** Marks the connection ended; wakes every waiter. Caller holds the lock. */
    void terminate(String reason) {
        if (state == State.CLOSED) return;
        state = State.CLOSED;
        closedReason = reason;
        releaseSpentBuffers();
        changed.signalAll();
    }

    @Override public InputStream input() { return in; }
    @Override public OutputStream output() { return out; }
    @Override public int hostPort() { return hostPort; }
    @Override public int guestPort() { return guestPort; }

    @Override
    public void shutdownOutput() {
        lock.lock();
        try {
            if (hostOutputShut || state == State.CLOSED) return;
            hostOutputShut = true;
        } finally {
            lock.unlock();
        }
        device.wakeRx();
    }

    @Override
    public void close() { device.closeFromHost(this); }

    @Override
    public String toString() { return "vsock " + hostPort + " <-> guest:" + guestPort; }

    private final class In extends InputStream {
        @Override
        public int read() throws IOException {
            byte[] b = new byte[1];
            int n = read(b, 0, 1);
            return n < 0 ? -1 : b[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) return 0;
            boolean update;
            int n;
            lock.lock();
            try {
                while (inbound.size() == 0 || hostClosed) {
                    if (hostClosed) throw new IOException(VsockConnection.this + ": stream closed");
                    if (peerSendShutdown) return -1;
                    if (state == State.CLOSED) throw new IOException(VsockConnection.this + ": " + closedReason);
                    changed.awaitUninterruptibly();
                }
                n = inbound.take(b, off, len);
                fwdCnt += n;
                update = creditUpdateDue();
                releaseSpentBuffers();
            } finally {
                lock.unlock();
            }
            if (update) device.wakeRx();
            return n;
        }

        @Override
        public int available() {
            lock.lock();
            try {
                return inbound.size();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() { VsockConnection.this.close(); }
    }

    private final class Out extends OutputStream {
        @Override
        public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            Objects.checkFromIndexSize(off, len, b.length);
            while (len > 0) {
                int n;
                lock.lock();
                try {
                    while (true) {
                        if (state == State.CLOSED) throw new IOException(VsockConnection.this + ": "
                                + (closedReason == null ? "closed" : closedReason));
                        if (peerRecvShutdown) throw new IOException(VsockConnection.this + ": the guest stopped receiving");
                        if (hostOutputShut) throw new IOException(VsockConnection.this + ": output was shut down");
                        if (outbound.free() > 0) break;
                        if (!outbound.reserved() && device.reserveBuffer(OUT_BUF)) {
                            outbound.reserve(OUT_BUF);
                            break;
                        }
                        // Blocks like a full buffer: until the guest reads, or until other
                        // connections give budget back (releaseBuffer wakes us).
                        boolean forBudget = !outbound.reserved();
                        if (forBudget) {
                            awaitingBuffer = true;
                            device.bufferWaiters++;
                        }
                        try {
                            changed.await(1, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new InterruptedIOException("interrupted while waiting for room to write");
                        } finally {
                            if (forBudget) {
                                awaitingBuffer = false;
                                device.bufferWaiters--;
                            }
                        }
                    }
                    n = Math.min(len, outbound.free());
                    outbound.put(b, off, n);
                } finally {
                    lock.unlock();
                }
                device.wakeRx();
                off += n;
                len -= n;
            }
        }

        @Override
        public void close() { shutdownOutput(); }
    }
}
