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

    // guest -> host
    final ByteRing inbound = new ByteRing(BUF_ALLOC);
    /** Bytes the host consumed (our fwd_cnt) and the value the guest last heard. */
    int fwdCnt, fwdCntSent;
    boolean peerSendShutdown;   // guest sends no more: EOF after inbound drains

    // host -> guest
    final ByteRing outbound = new ByteRing(OUT_BUF);
    /** Bytes sent to the guest (tx_cnt); the guest's buffer size and consumption from its last header. */
    int txCnt, peerBufAlloc, peerFwdCnt;
    boolean peerRecvShutdown;   // guest receives no more: host writes fail
    boolean hostOutputShut;     // host will write no more; SHUTDOWN goes out after outbound drains
    boolean hostClosed;         // host closed the stream: reads fail, guest data is discarded (credited)
    boolean shutdownSent;
    long closeDeadline;         // nanoTime after which a host-closed connection is reset, answered or not

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

    /** Something for the rx thread to send: data within credit, or the SHUTDOWN after the data. */
    boolean hasDataToSend() {
        if (state != State.ESTABLISHED) return false;
        if (outbound.size() > 0 && peerCredit() > 0 && !peerRecvShutdown) return true;
        return shutdownDue();
    }

    /** Something for the rx thread to send on this connection: data, a SHUTDOWN or a credit update. */
    boolean owesPacket() {
        return hasDataToSend() || (state == State.ESTABLISHED && creditUpdateDue());
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
        outbound.clear();
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
                        try {
                            changed.await(1, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new InterruptedIOException("interrupted while the guest's buffer was full");
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
