package io.jvmm.virtio.vsock;

import static io.jvmm.virtio.vsock.VsockHeader.*;

import io.jvmm.virtio.RateLimitedLog;
import io.jvmm.virtio.queue.GuestBuffers;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The host end of virtio-vsock, between the device's queues and the host's streams (Firecracker's
 * muxer): the connections ({@link ConnectionTable}), the listeners on host ports, local ports for
 * host connects, the control packets waiting for the guest's receive buffers
 * ({@link ControlQueue}), the buffer budget and the close deadlines. It routes each guest packet to
 * its connection's transition, or answers it with RST, and picks the next packet for the guest.
 * Nothing here touches a virtqueue.
 *
 * <p>{@link #lock} guards all of it and every connection; the device's threads and host threads
 * take it, and the rx thread is woken through the {@code wakeRx} callback.
 */
final class VsockMuxer {
    /** The device's log: one budget of lines for everything a guest's packets can make vsock log. */
    private static final RateLimitedLog LOG = VsockDevice.LOG;
    /** How long the guest gets to acknowledge a host close with RST before the connection is reset. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(8);
    /** Host-initiated connections take local ports from here up (Linux's ephemeral range starts at 1024 for vsock). */
    static final int FIRST_EPHEMERAL_PORT = 49152;

    /**
     * Bounds on what a guest can make the VMM hold (it is untrusted, and each connection has
     * BUF_ALLOC of receive buffer): connections at once, as Firecracker's 1023, and control packets
     * waiting for receive buffers the guest may never post. Past them, guest connection requests
     * are refused and replies to its stray packets are dropped.
     */
    static final int MAX_CONNECTIONS = 1024, MAX_PENDING_REPLIES = 4096;

    final ReentrantLock lock = new ReentrantLock();
    private final long guestCid;
    private final BufferBudget budget;
    private final Runnable wakeRx;
    /** {@link #CLOSE_TIMEOUT}, shorter in tests. */
    Duration closeTimeout = CLOSE_TIMEOUT;
    /** Whether the guest's driver is up, so host connects can be answered. */
    private boolean active;

    private final ConnectionTable connections = new ConnectionTable();
    private final Map<Integer, PortListener> listeners = new HashMap<>();
    private final ControlQueue control = new ControlQueue(MAX_PENDING_REPLIES);
    private volatile GuestConnectionHandler fallback;
    /**
     * Starts at a random port, as Linux's vsock does: a VM restored from a snapshot still holds the
     * snapshot's connections until it processes the transport reset, and a fresh device counting
     * from the same first port would reuse their (host port, guest port) pairs, so the guest's
     * reset of an old connection would refuse the new one.
     */
    private int nextEphemeral =
            FIRST_EPHEMERAL_PORT + ThreadLocalRandom.current().nextInt(0x7fff_ffff - FIRST_EPHEMERAL_PORT);

    /**
     * @param guestCid     the guest's context id, which its packets must come from
     * @param bufferBudget bytes all connection buffers together may hold
     * @param wakeRx       wakes the device's rx thread: a packet waits for the guest
     */
    VsockMuxer(long guestCid, long bufferBudget, Runnable wakeRx) {
        this.guestCid = guestCid;
        this.wakeRx = wakeRx;
        this.budget = new BufferBudget(bufferBudget, wakeRx);
    }

    long guestCid() {
        return guestCid;
    }

    BufferBudget budget() {
        return budget;
    }

    void wakeRx() {
        wakeRx.run();
    }

    void setFallback(GuestConnectionHandler handler) {
        this.fallback = handler;
    }

    // ---- lifecycle (the device calls these) ----

    /** The guest's driver is up: host connects may start. */
    void activate() {
        lock.lock();
        try {
            active = true;
        } finally {
            lock.unlock();
        }
    }

    /** Ends every connection and drops every queued packet; listeners stay. */
    void reset() {
        lock.lock();
        try {
            active = false;
            control.clear();
            connections.resetAll();
        } finally {
            lock.unlock();
        }
    }

    /** Closes every listener (the device is closed). */
    void closeListeners() {
        lock.lock();
        try {
            for (PortListener l : listeners.values()) l.stopAccepting();
            listeners.clear();
        } finally {
            lock.unlock();
        }
    }

    // ---- host API ----

    /** See {@link VsockDevice#connect}. */
    VsockStream connect(int guestPort, Duration timeout) throws IOException, InterruptedException {
        VsockConnection c;
        lock.lock();
        try {
            if (!active) throw new ConnectException("vsock: the guest's driver is not ready");
            int port = allocatePort(guestPort);
            c = VsockConnection.connecting(this, port, guestPort);
            connections.add(c);
            control.add(c.header(OP_REQUEST));
        } finally {
            lock.unlock();
        }
        wakeRx.run();
        try {
            return c.awaitEstablished(timeout);
        } catch (TimeoutException e) {
            abandon(c, "connect timed out");
            throw new SocketTimeoutException(
                    "vsock: guest port " + guestPort + " did not answer within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            abandon(c, "connect interrupted");
            throw e;
        }
    }

    /** The host gives up on {@code c}: it ends, and the guest gets an RST if it still knew it. */
    void abandon(VsockConnection c, String why) {
        lock.lock();
        try {
            if (connections.remove(c)) {
                c.terminate(why);
                control.add(c.header(OP_RST));
            }
        } finally {
            lock.unlock();
        }
        wakeRx.run();
    }

    private int allocatePort(int guestPort) {
        for (int i = 0; i < 1 << 16; i++) {
            int p = nextEphemeral;
            nextEphemeral = nextEphemeral == 0x7fff_ffff ? FIRST_EPHEMERAL_PORT : nextEphemeral + 1;
            if (!listeners.containsKey(p) && !connections.contains(p, guestPort)) return p;
        }
        throw new IllegalStateException("vsock: no free host port");
    }

    /** See {@link VsockDevice#listen(int, int)}. */
    VsockListener listen(int port, int maxConnections) {
        if (maxConnections < 1)
            throw new IllegalArgumentException(
                    "vsock: a listener takes at least one connection, got " + maxConnections);
        lock.lock();
        try {
            if (listeners.containsKey(port))
                throw new IllegalStateException("vsock: host port " + port + " already has a listener");
            PortListener l = new PortListener(this, port, maxConnections);
            listeners.put(port, l);
            return l;
        } finally {
            lock.unlock();
        }
    }

    /** {@code l} closes: later requests to its port are reset, and connections it queued are closed. */
    void unlisten(PortListener l) {
        lock.lock();
        try {
            l.stopAccepting();
            listeners.remove(l.port(), l);
            l.closeUnaccepted();
        } finally {
            lock.unlock();
        }
    }

    // ---- guest -> host ----

    /** One packet the guest sent ({@code packet} is all of it, header included). */
    void fromGuest(VsockHeader h, GuestBuffers packet) {
        boolean wake;
        lock.lock();
        try {
            wake = route(h, packet);
        } finally {
            lock.unlock();
        }
        if (wake) wakeRx.run();
    }

    /** Returns true when the rx thread has something new to send. */
    private boolean route(VsockHeader h, GuestBuffers packet) {
        if (h.srcCid() != guestCid || h.dstCid() != HOST_CID) {
            LOG.log(
                    Level.WARNING,
                    "vsock: packet from cid {0} to cid {1} dropped (guest is {2}, host is 2)",
                    h.srcCid(),
                    h.dstCid(),
                    guestCid);
            return false;
        }
        VsockConnection c = connections.get(h.dstPort(), h.srcPort());
        if (h.type() != TYPE_STREAM) return rst(h);
        if (h.op() == OP_RST) {
            if (c != null) {
                connections.remove(c);
                c.onRst();
            }
            return false;
        }
        if (c == null) return h.op() == OP_REQUEST ? acceptFromGuest(h) : rst(h);
        try {
            return switch (h.op()) {
                case OP_RESPONSE -> c.onResponse(h);
                case OP_RW -> c.onRw(h, packet);
                case OP_CREDIT_UPDATE -> c.onCreditUpdate(h);
                case OP_CREDIT_REQUEST -> {
                    c.onCreditRequest(h);
                    yield true;
                }
                case OP_SHUTDOWN -> {
                    boolean wake = c.onShutdown(h);
                    if (c.state() != VsockConnection.State.CLOSED) yield wake;
                    connections.remove(c);
                    control.add(c.header(OP_RST));
                    yield true;
                }
                case OP_REQUEST -> throw new VsockConnection.ProtocolError("REQUEST on an open connection");
                default -> throw new VsockConnection.ProtocolError("unknown op " + h.op());
            };
        } catch (VsockConnection.ProtocolError e) {
            LOG.log(Level.WARNING, "vsock: resetting {0}: {1}", c, e.getMessage());
            connections.remove(c);
            c.reset(e.getMessage());
            control.add(c.header(OP_RST));
            return true;
        }
    }

    /** A REQUEST for a connection we do not have: a listener or the fallback handler may take it. */
    private boolean acceptFromGuest(VsockHeader h) {
        if (control.full()) { // no room even for the answer; the rx thread still has the queue to drain
            control.drop(h);
            return true;
        }
        if (connections.size() >= MAX_CONNECTIONS) {
            LOG.log(
                    Level.WARNING,
                    "vsock: guest port {0} to host port {1} refused: {2} connections open",
                    h.srcPort(),
                    h.dstPort(),
                    MAX_CONNECTIONS);
            return rst(h);
        }
        PortListener l = listeners.get(h.dstPort());
        VsockConnection c;
        boolean accepted;
        if (l != null && !l.closed()) {
            if (l.maxConnections() < MAX_CONNECTIONS && connections.countAgainst(l) >= l.maxConnections()) {
                LOG.log(
                        Level.WARNING,
                        "vsock: guest port {0} to host port {1} refused: the listener takes {2} live connection(s)",
                        h.srcPort(),
                        h.dstPort(),
                        l.maxConnections());
                return rst(h);
            }
            c = VsockConnection.fromRequest(this, h, l);
            accepted = l.offer(c);
        } else {
            c = VsockConnection.fromRequest(this, h, null);
            GuestConnectionHandler f = fallback;
            accepted = false;
            if (f != null) {
                // Not in the table yet, so nothing of it goes out before the RESPONSE.
                lock.unlock(); // the handler may connect a socket; never hold the lock across it
                try {
                    accepted = f.offer(h.dstPort(), c);
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "vsock: handler for host port {0} failed: {1}", h.dstPort(), e.toString());
                } finally {
                    lock.lock();
                }
            }
        }
        if (!accepted) return rst(h);
        connections.add(c);
        control.add(c.header(OP_RESPONSE));
        if (!c.hasCredit()) {
            LOG.log(
                    Level.WARNING,
                    "vsock: {0} gets no credit until connections end: the buffer budget of {1} bytes is in use",
                    c,
                    budget.limit());
        }
        return true;
    }

    /**
     * An RST answering {@code h} (whose connection we do not know), unless the control queue is full.
     * Never answers an RST. Returns true when the rx thread has the queue to drain.
     */
    private boolean rst(VsockHeader h) {
        if (h.op() == OP_RST) return false;
        control.reply(VsockHeader.toGuest(guestCid, h.dstPort(), h.srcPort(), OP_RST, 0, 0, 0));
        return true;
    }

    // ---- close deadlines ----

    /** Whether a host-closed connection waits for the guest's RST (the device's timer then wakes the rx thread). */
    boolean closingPending() {
        return locked(connections::anyClosing);
    }

    /** Connections the host closed whose guest never sent RST: reset them after the timeout. */
    void expireClosing() {
        long now = System.nanoTime();
        boolean wake = false;
        lock.lock();
        try {
            for (VsockConnection c : connections.removeExpired(now)) {
                c.terminate("closed by the host");
                control.add(c.header(OP_RST));
                wake = true;
            }
        } finally {
            lock.unlock();
        }
        if (wake) wakeRx.run();
    }

    // ---- host -> guest ----

    /** Whether a packet waits for the guest. */
    boolean hasPacketForGuest() {
        return locked(this::packetWaiting);
    }

    /** {@link #hasPacketForGuest}, but false rather than waiting for the lock (the rx thread polls it while it spins). */
    boolean hasPacketForGuestNoWait() {
        if (!lock.tryLock()) return false;
        try {
            return packetWaiting();
        } finally {
            lock.unlock();
        }
    }

    private boolean packetWaiting() {
        return !control.isEmpty() || connections.anyOwesPacket();
    }

    /**
     * Writes the next packet for the guest into {@code out}, which holds at least a header: queued
     * control packets first, then the connections that owe one, in turn. Returns the bytes written,
     * or -1 when nothing was waiting.
     */
    int toGuest(GuestBuffers out) {
        lock.lock();
        try {
            VsockHeader h = control.poll();
            if (h != null) {
                out.write(0, h.encode());
                return VsockHeader.SIZE;
            }
            VsockConnection c = connections.nextOwingPacket();
            return c == null ? -1 : c.writePacket(out);
        } finally {
            lock.unlock();
        }
    }

    // ---- diagnostics ----

    /** Replies to guest packets dropped because too many were waiting. */
    long droppedReplies() {
        return locked(control::droppedReplies);
    }

    /** Live connections. */
    int connectionCount() {
        return locked(connections::size);
    }

    /** Control packets waiting for guest receive buffers. */
    int pendingControl() {
        return locked(control::size);
    }

    /** Bytes of connection buffers charged to the budget. */
    long bufferBytes() {
        return locked(budget::charged);
    }

    /** Connection buffers (either direction) that hold an array (for tests). */
    int allocatedBuffers() {
        return locked(connections::allocatedBuffers);
    }

    /** Bytes of the arrays live connections' buffers hold (for tests: never more than is charged). */
    long heldBufferBytes() {
        return locked(connections::heldBufferBytes);
    }

    private <T> T locked(Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }
}
