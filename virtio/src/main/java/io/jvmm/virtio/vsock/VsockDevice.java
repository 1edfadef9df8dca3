package io.jvmm.virtio.vsock;

import static io.jvmm.virtio.vsock.VsockHeader.*;

import io.jvmm.virtio.DeviceContext;
import io.jvmm.virtio.DeviceWorker;
import io.jvmm.virtio.QueueEvent;
import io.jvmm.virtio.RateLimitedLog;
import io.jvmm.virtio.VirtioDevice;
import io.jvmm.virtio.VirtioFeatures;
import io.jvmm.virtio.VirtioIds;
import io.jvmm.virtio.queue.DescriptorChain;
import io.jvmm.virtio.queue.GuestBuffers;
import io.jvmm.virtio.queue.Virtqueue;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * virtio-vsock (virtio 1.2 section 5.10), stream sockets between the guest and this JVM: the host
 * side is an in-process API ({@link #connect}, {@link #listen}) and, for ports nobody listens on, a
 * {@link GuestConnectionHandler} (the hybrid Unix-socket backend). Flow control is the spec's credit
 * scheme in both directions; packets for unknown connections are answered with RST.
 *
 * <p>Threads: {@code virtio-vsock-tx} takes the guest's packets, {@code virtio-vsock-rx} fills the
 * guest's receive buffers with replies and data. Host threads only touch buffers under {@link #lock}
 * and wake the rx thread through its queue event.
 */
public final class VsockDevice implements VirtioDevice {
    private static final RateLimitedLog LOG = RateLimitedLog.of(VsockDevice.class);
    static final int RX = 0, TX = 1, EVENT = 2;
    static final int QUEUE_SIZE = 256;
    /** A guest packet may carry at most this much payload (Linux's VIRTIO_VSOCK_MAX_PKT_BUF_SIZE). */
    static final int MAX_PAYLOAD = 64 * 1024;
    /** How long the guest gets to answer a host connect, and to acknowledge a host close with RST. */
    static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(8);
    /** {@link #CLOSE_TIMEOUT}, shorter in tests. */
    Duration closeTimeout = CLOSE_TIMEOUT;
    /** Host-initiated connections take local ports from here up (Linux's ephemeral range starts at 1024 for vsock). */
    static final int FIRST_EPHEMERAL_PORT = 49152;
    /** How long each device thread polls for more work before it sleeps. */
    static final long POLL_NANOS = Long.getLong("jvmm.vsock.pollNanos", 20_000);

    /**
     * Bounds on what a guest can make the VMM hold (it is untrusted, and each connection has
     * BUF_ALLOC of receive buffer): connections at once, as Firecracker's 1023, and control packets
     * waiting for receive buffers the guest may never post. Past them, guest connection requests
     * are refused and replies to its stray packets are dropped.
     */
    static final int MAX_CONNECTIONS = 1024, MAX_PENDING_REPLIES = 4096;

    /**
     * What all connection buffers together may hold by default: 64 connections' receive and send
     * buffers, or 128 receive buffers. Without it, a guest filling MAX_CONNECTIONS connections would
     * make the VMM hold a quarter of a GiB.
     */
    public static final long DEFAULT_BUFFER_BUDGET = 32L << 20;

    private record Key(int hostPort, int guestPort) {}

    final ReentrantLock lock = new ReentrantLock();
    private final long guestCid;
    private final long bufferBudget;
    /** Bytes of connection buffers reserved from {@link #bufferBudget} (guarded by {@link #lock}). */
    private long bufferBytes;
    /** Host writers waiting for the budget (guarded by {@link #lock}). */
    int bufferWaiters;
    private final Map<Key, VsockConnection> connections = new HashMap<>();
    private final Map<Integer, Listener> listeners = new HashMap<>();
    private final ArrayDeque<VsockHeader> control = new ArrayDeque<>();
    /** Guarded by {@link #lock}. */
    private long droppedReplies;
    private final Map<Key, java.util.concurrent.CompletableFuture<VsockConnection>> pendingConnects = new HashMap<>();
    private volatile GuestConnectionHandler fallback;
    /**
     * Starts at a random port, as Linux's vsock does: a VM restored from a snapshot still holds the
     * snapshot's connections until it processes the transport reset, and a fresh device counting
     * from the same first port would reuse their (host port, guest port) pairs, so the guest's
     * reset of an old connection would refuse the new one.
     */
    private int nextEphemeral = FIRST_EPHEMERAL_PORT + java.util.concurrent.ThreadLocalRandom.current().nextInt(0x7fff_ffff - FIRST_EPHEMERAL_PORT);
    /** The rx chain popped while nothing could be written into it yet. */
    private DescriptorChain heldRx;
    /** The rx queue ran dry and the guest was asked to notify (guarded by {@link #lock}). */
    private boolean rxNotifying;

    private volatile DeviceContext context;
    private DeviceWorker txWorker, rxWorker;
    private Thread timer;
    private volatile QueueEvent rxEvent;

    /** @param guestCid the guest's context id, 3 or more (0-2 are reserved) */
    public VsockDevice(long guestCid) { this(guestCid, DEFAULT_BUFFER_BUDGET); }

    /**
     * @param guestCid     the guest's context id, 3 or more (0-2 are reserved)
     * @param bufferBudget bytes all connection buffers together may hold, at least one connection's
     *                     receive and send buffers (512 KiB); see {@link #DEFAULT_BUFFER_BUDGET}
     */
    public VsockDevice(long guestCid, long bufferBudget) {
        if (guestCid < 3 || guestCid > 0xffff_fffeL) {
            throw new IllegalArgumentException("vsock guest CID must be between 3 and 4294967294, got " + guestCid);
        }
        long min = VsockConnection.BUF_ALLOC + VsockConnection.OUT_BUF;
        if (bufferBudget < min) {
            throw new IllegalArgumentException("vsock buffer budget must be at least " + min + " bytes, got " + bufferBudget);
        }
        this.guestCid = guestCid;
        this.bufferBudget = bufferBudget;
    }

    public long guestCid() { return guestCid; }

    /** Bytes all connection buffers together may hold. */
    public long bufferBudget() { return bufferBudget; }

    /** Where guest connections to ports without an in-process listener go; null resets them. */
    public void setFallback(GuestConnectionHandler handler) { this.fallback = handler; }

    @Override public int deviceType() { return VirtioIds.VIRTIO_ID_VSOCK; }
    @Override public String name() { return "vsock"; }
    @Override public int queueCount() { return 3; }
    @Override public int maxQueueSize(int index) { return QUEUE_SIZE; }
    @Override public int configSize() { return 8; }

    @Override
    public long deviceFeatures() {
        // No VIRTIO_VSOCK_F_STREAM bit: without any type bit the device is stream-only (5.10.3).
        return VirtioFeatures.TRANSPORT;
    }

    @Override
    public void readConfig(int offset, MemorySegment data) {
        MemorySegment c = MemorySegment.ofArray(new byte[8]);
        c.set(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, guestCid);
        MemorySegment.copy(c, offset, data, 0, data.byteSize());
    }

    // ---- lifecycle ----

    @Override
    public synchronized void activate(DeviceContext ctx) {
        reset();
        context = ctx;
        rxEvent = ctx.event(RX);
        lock.lock();
        try {
            // No notification for rx buffers the guest adds while there is nothing to send or
            // buffers remain (each would be an exit): asked for only when a packet finds none.
            ctx.queue(RX).disableNotification();
            rxNotifying = false;
        } finally {
            lock.unlock();
        }
        resume();
    }

    @Override
    public synchronized void pause() {
        if (timer != null) {
            timer.interrupt();
            try {
                timer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            timer = null;
        }
        if (txWorker != null) txWorker.stop();
        if (rxWorker != null) rxWorker.stop();
        txWorker = rxWorker = null;
    }

    @Override
    public synchronized void resume() {
        DeviceContext ctx = context;
        if (ctx == null || txWorker != null) return;
        // Both threads poll briefly before they sleep: a request/response exchange then skips two
        // thread wake-ups per round trip.
        txWorker = DeviceWorker.start("virtio-vsock-tx", ctx, ctx.event(TX), self -> drainTx(ctx, self),
                POLL_NANOS, () -> ctx.queue(TX).hasAvailable());
        rxWorker = DeviceWorker.start("virtio-vsock-rx", ctx, ctx.event(RX), self -> fillRx(ctx, self),
                POLL_NANOS, this::rxPending);
        // The device threads sleep until the guest or the host does something; this wakes the rx
        // thread now and then so host-closed connections the guest never answers are reset.
        timer = Thread.ofPlatform().name("virtio-vsock-timer").daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
                if (closingPending()) wakeRx();
            }
        });
    }

    private boolean closingPending() {
        lock.lock();
        try {
            for (VsockConnection c : connections.values()) if (c.closeDeadline != 0) return true;
            return false;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public synchronized void reset() {
        pause();
        rxEvent = null;
        context = null;
        lock.lock();
        try {
            heldRx = null;
            control.clear();
            for (VsockConnection c : connections.values()) c.terminate("the vsock device was reset");
            connections.clear();
            for (var f : pendingConnects.values()) f.completeExceptionally(new IOException("the vsock device was reset"));
            pendingConnects.clear();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public synchronized void close() {
        reset();
        lock.lock();
        try {
            for (Listener l : listeners.values()) l.closed = true;
            listeners.clear();
        } finally {
            lock.unlock();
        }
    }

    /** Wakes the rx thread: host data, a credit update or a control packet is waiting. */
    void wakeRx() {
        QueueEvent e = rxEvent;
        if (e != null) e.signal();
    }

    /**
     * Tells the guest that every connection is gone (after a restore from a snapshot, whose streams
     * cannot come back): VIRTIO_VSOCK_EVENT_TRANSPORT_RESET on the event queue, as Firecracker does.
     * The guest then resets its sockets and reads the CID again.
     */
    public void transportReset() {
        DeviceContext ctx = context;
        if (ctx == null) return;
        Virtqueue q = ctx.queue(EVENT);
        synchronized (q) {
            DescriptorChain c = q.popValid(name());
            if (c == null) {
                LOG.log(Level.WARNING, "vsock: the guest has no event buffer; transport reset not delivered");
                return;
            }
            if (c.writable().length() >= 4) {
                c.writable().write(0, new byte[4]);   // le32 id 0: VIRTIO_VSOCK_EVENT_TRANSPORT_RESET
                q.addUsed(c.head(), 4);
            } else {
                q.addUsed(c.head(), 0);
            }
        }
        ctx.notifyIfNeeded(EVENT);
    }

    // ---- host API ----

    /**
     * Opens a stream to {@code guestPort}: sends REQUEST and waits for the guest's RESPONSE. Throws
     * {@link ConnectException} when the guest resets it (nobody listens there) or the driver is not
     * up, {@link SocketTimeoutException} after {@code timeout}.
     */
    public VsockStream connect(int guestPort, Duration timeout) throws IOException, InterruptedException {
        java.util.concurrent.CompletableFuture<VsockConnection> f = new java.util.concurrent.CompletableFuture<>();
        Key key;
        lock.lock();
        try {
            if (context == null) throw new ConnectException("vsock: the guest's driver is not ready");
            int port = allocatePort(guestPort);
            key = new Key(port, guestPort);
            VsockConnection c = new VsockConnection(this, port, guestPort, VsockConnection.State.CONNECTING);
            connections.put(key, c);
            pendingConnects.put(key, f);
            control.add(header(c, OP_REQUEST, 0));
        } finally {
            lock.unlock();
        }
        wakeRx();
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            abandon(key, "connect timed out");
            throw new SocketTimeoutException("vsock: guest port " + guestPort + " did not answer within " + timeout.toMillis() + " ms");
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            abandon(key, "connect interrupted");
            throw e;
        }
    }

    private void abandon(Key key, String why) {
        lock.lock();
        try {
            pendingConnects.remove(key);
            VsockConnection c = connections.remove(key);
            if (c != null) {
                c.terminate(why);
                control.add(header(c, OP_RST, 0));
            }
        } finally {
            lock.unlock();
        }
        wakeRx();
    }

    private int allocatePort(int guestPort) {
        for (int i = 0; i < 1 << 16; i++) {
            int p = nextEphemeral;
            nextEphemeral = nextEphemeral == 0x7fff_ffff ? FIRST_EPHEMERAL_PORT : nextEphemeral + 1;
            if (!listeners.containsKey(p) && !connections.containsKey(new Key(p, guestPort))) return p;
        }
        throw new IllegalStateException("vsock: no free host port");
    }

    /** Accepts the guest's connections to host port {@code port}. One listener per port. */
    public VsockListener listen(int port) { return listen(port, MAX_CONNECTIONS); }

    /**
     * Accepts the guest's connections to host port {@code port}, at most {@code maxConnections} of
     * them live at once: further requests are reset until one ends (the guest closes or resets it,
     * or the host closes it). One listener per port.
     */
    public VsockListener listen(int port, int maxConnections) {
        if (maxConnections < 1) throw new IllegalArgumentException("vsock: a listener takes at least one connection, got " + maxConnections);
        lock.lock();
        try {
            if (listeners.containsKey(port)) throw new IllegalStateException("vsock: host port " + port + " already has a listener");
            Listener l = new Listener(port, maxConnections);
            listeners.put(port, l);
            return l;
        } finally {
            lock.unlock();
        }
    }

    /** Replies to guest packets dropped because too many were waiting (for tests and diagnostics). */
    public long droppedReplies() { return locked(() -> droppedReplies); }

    /** Connection buffers (either direction) that hold an array (for tests). */
    int allocatedBuffers() {
        return locked(() -> {
            int n = 0;
            for (VsockConnection c : connections.values()) n += (c.inbound.allocated() ? 1 : 0) + (c.outbound.allocated() ? 1 : 0);
            return n;
        });
    }

    /** Bytes of connection buffers charged to the budget (for tests and diagnostics). */
    long bufferBytes() { return locked(() -> bufferBytes); }

    /** Bytes of the arrays live connections' buffers hold (for tests: never more than is charged). */
    long heldBufferBytes() {
        return locked(() -> {
            long n = 0;
            for (VsockConnection c : connections.values()) n += c.inbound.arrayBytes() + c.outbound.arrayBytes();
            return n;
        });
    }

    /** Takes {@code bytes} from the budget if it has them. Caller holds the lock. */
    boolean reserveBuffer(int bytes) {
        if (!bufferRoom(bytes)) return false;
        bufferBytes += bytes;
        return true;
    }

    /** Whether the budget has {@code bytes} left. Caller holds the lock. */
    boolean bufferRoom(int bytes) { return bufferBudget - bufferBytes >= bytes; }

    /**
     * Gives {@code bytes} back to the budget and wakes whoever may use them: host writers waiting
     * for a send buffer, and the rx thread, which grants credit to connections still without.
     * Caller holds the lock.
     */
    void releaseBuffer(int bytes) {
        bufferBytes -= bytes;
        if (bufferWaiters > 0) {
            for (VsockConnection c : connections.values()) if (c.awaitingBuffer) c.changed.signalAll();
        }
        wakeRx();
    }

    /** Connections of {@code l} that count against its limit: the ones the host has not closed. */
    private int liveConnections(Listener l) {
        int n = 0;
        for (VsockConnection c : connections.values()) if (c.listener == l && !c.hostClosed) n++;
        return n;
    }

    /** Control packets waiting for guest receive buffers (for tests and diagnostics). */
    int pendingControl() { return locked(control::size); }

    /** Live connections (for tests and diagnostics). */
    public int connectionCount() { return locked(connections::size); }

    private <T> T locked(java.util.function.Supplier<T> read) {
        lock.lock();
        try {
            return read.get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * The host is done with the stream: what it wrote still goes out (as a socket's close() sends
     * its buffered data), then SHUTDOWN(RCV|SEND); the guest's RST ends the connection, or the
     * deadline does.
     */
    void closeFromHost(VsockConnection c) {
        lock.lock();
        try {
            if (c.hostClosed) return;
            if (c.state == VsockConnection.State.CLOSED) {
                // Already ended by the guest or a reset: only what the host did not read is left.
                c.hostClosed = true;
                c.inbound.clear();
                c.releaseSpentBuffers();
                return;
            }
            if (c.state == VsockConnection.State.CONNECTING) {
                connections.remove(new Key(c.hostPort, c.guestPort));
                c.terminate("closed by the host");
                control.add(header(c, OP_RST, 0));
            } else {
                c.hostClosed = true;
                c.hostOutputShut = true;
                c.inbound.clear();
                c.releaseSpentBuffers();
                c.closedReason = "closed by the host";
                c.closeDeadline = System.nanoTime() + closeTimeout.toNanos();
                c.changed.signalAll();
            }
        } finally {
            lock.unlock();
        }
        wakeRx();
    }

    private final class Listener implements VsockListener {
        final int port;
        final int maxConnections;
        final LinkedBlockingQueue<VsockStream> accepted = new LinkedBlockingQueue<>();
        volatile boolean closed;

        Listener(int port, int maxConnections) {
            this.port = port;
            this.maxConnections = maxConnections;
        }

        @Override public int port() { return port; }

        @Override
        public VsockStream accept() throws InterruptedException {
            while (true) {
                if (closed) throw new IllegalStateException("vsock listener on port " + port + " is closed");
                VsockStream s = accepted.poll(200, TimeUnit.MILLISECONDS);
                if (s != null) return s;
            }
        }

        @Override
        public Optional<VsockStream> accept(Duration timeout) throws InterruptedException {
            if (closed) throw new IllegalStateException("vsock listener on port " + port + " is closed");
            return Optional.ofNullable(accepted.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
        }

        @Override
        public void close() {
            lock.lock();
            try {
                closed = true;
                listeners.remove(port, this);
                // Nobody can accept these any more: close them, or their buffers would stay charged.
                for (VsockStream s; (s = accepted.poll()) != null; ) s.close();
            } finally {
                lock.unlock();
            }
        }
    }

    // ---- guest -> host (tx queue) ----

    private void drainTx(DeviceContext ctx, DeviceWorker self) {
        Virtqueue q = ctx.queue(TX);
        do {
            q.disableNotification();
            DescriptorChain chain;
            while (self.running() && (chain = q.popValid(name())) != null) {
                handlePacket(chain);
                q.addUsed(chain.head(), 0);
            }
            ctx.notifyIfNeeded(TX);
            expireClosing();
        } while (self.running() && q.enableNotification());
    }

    private void handlePacket(DescriptorChain chain) {
        GuestBuffers in = chain.readable();
        if (in.length() < VsockHeader.SIZE) {
            LOG.log(Level.WARNING, "vsock: tx packet of {0} bytes is shorter than a header; dropped", in.length());
            return;
        }
        VsockHeader h = VsockHeader.parse(in.readBytes(0, VsockHeader.SIZE));
        long payload = in.length() - VsockHeader.SIZE;
        boolean wake;
        lock.lock();
        try {
            wake = handle(h, in, payload);
        } finally {
            lock.unlock();
        }
        if (wake) wakeRx();
    }

    /** One guest packet under the lock; returns true when the rx thread has something new to send. */
    private boolean handle(VsockHeader h, GuestBuffers in, long payload) {
        if (h.srcCid() != guestCid || h.dstCid() != HOST_CID) {
            LOG.log(Level.WARNING, "vsock: packet from cid {0} to cid {1} dropped (guest is {2}, host is 2)",
                    h.srcCid(), h.dstCid(), guestCid);
            return false;
        }
        Key key = new Key(h.dstPort(), h.srcPort());
        VsockConnection c = connections.get(key);
        if (h.type() != TYPE_STREAM) return rst(h);
        if (h.op() == OP_RST) {
            if (c != null) {
                connections.remove(key);
                var f = pendingConnects.remove(key);
                if (f != null) f.completeExceptionally(new ConnectException("vsock: guest port " + h.srcPort() + " refused the connection"));
                c.terminate(c.closedReason != null ? c.closedReason : "reset by the guest");
            }
            return false;
        }
        if (c == null) {
            if (h.op() == OP_REQUEST) return acceptFromGuest(h, key);
            return rst(h);
        }
        c.updatePeerCredit(h);
        switch (h.op()) {
            case OP_RESPONSE -> {
                if (c.state != VsockConnection.State.CONNECTING) return resetConnection(c, key, "unexpected RESPONSE");
                c.state = VsockConnection.State.ESTABLISHED;
                var f = pendingConnects.remove(key);
                if (f != null) f.complete(c);
                c.changed.signalAll();
                return true;
            }
            case OP_RW -> {
                if (c.state == VsockConnection.State.CONNECTING) return resetConnection(c, key, "data before RESPONSE");
                if (payload != h.len() || payload > MAX_PAYLOAD) {
                    return resetConnection(c, key, "RW len " + Integer.toUnsignedString(h.len()) + " but " + payload + " payload bytes");
                }
                int n = (int) payload;
                if (c.hostClosed || c.peerSendShutdown) {
                    // Nobody will read it: discard, but count it as consumed so the guest's credit is not lost.
                    c.fwdCnt += n;
                    return c.creditUpdateDue();
                }
                if (n > c.inbound.free()) return resetConnection(c, key, "guest overran its credit");
                c.inbound.put(in, VsockHeader.SIZE, n);
                c.changed.signalAll();
                return c.hasDataToSend();
            }
            case OP_CREDIT_UPDATE -> {
                c.changed.signalAll();
                return c.hasDataToSend();
            }
            case OP_CREDIT_REQUEST -> {
                return reply(header(c, OP_CREDIT_UPDATE, 0));
            }
            case OP_SHUTDOWN -> {
                if ((h.flags() & SHUTDOWN_SEND) != 0) c.peerSendShutdown = true;
                if ((h.flags() & SHUTDOWN_RCV) != 0) c.peerRecvShutdown = true;
                c.releaseSpentBuffers();   // RCV: what the host wrote will never be read; SEND: no more data comes
                c.changed.signalAll();
                if (c.peerSendShutdown && c.peerRecvShutdown) {
                    // Both directions done: finish with RST, as Linux and Firecracker expect.
                    connections.remove(key);
                    if (c.state != VsockConnection.State.CLOSED) {
                        c.state = VsockConnection.State.CLOSED;
                        c.closedReason = c.closedReason != null ? c.closedReason : "closed by the guest";
                    }
                    c.changed.signalAll();
                    control.add(header(c, OP_RST, 0));
                    return true;
                }
                return c.hasDataToSend();   // its credit fields may have opened the window
            }
            case OP_REQUEST -> {
                return resetConnection(c, key, "REQUEST on an open connection");
            }
            default -> {
                return resetConnection(c, key, "unknown op " + h.op());
            }
        }
    }

    private boolean acceptFromGuest(VsockHeader h, Key key) {
        if (control.size() >= MAX_PENDING_REPLIES) return dropReply(h);   // no room even for the answer
        if (connections.size() >= MAX_CONNECTIONS) {
            LOG.log(Level.WARNING, "vsock: guest port {0} to host port {1} refused: {2} connections open",
                    h.srcPort(), h.dstPort(), MAX_CONNECTIONS);
            return rst(h);
        }
        VsockConnection c = new VsockConnection(this, h.dstPort(), h.srcPort(), VsockConnection.State.ESTABLISHED);
        c.updatePeerCredit(h);
        Listener l = listeners.get(h.dstPort());
        boolean accepted;
        if (l != null && !l.closed) {
            if (l.maxConnections < MAX_CONNECTIONS && liveConnections(l) >= l.maxConnections) {
                LOG.log(Level.WARNING, "vsock: guest port {0} to host port {1} refused: the listener takes {2} live connection(s)",
                        h.srcPort(), h.dstPort(), l.maxConnections);
                return rst(h);
            }
            c.listener = l;
            accepted = l.accepted.offer(c);
        } else {
            GuestConnectionHandler f = fallback;
            accepted = false;
            if (f != null) {
                // Not in the map yet, so nothing of it goes out before the RESPONSE.
                lock.unlock();   // the handler may connect a socket; never hold the lock across it
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
        connections.put(key, c);
        control.add(header(c, OP_RESPONSE, 0));
        if (c.bufAlloc == 0) {
            LOG.log(Level.WARNING, "vsock: {0} gets no credit until connections end: the buffer budget of {1} bytes is in use",
                    c, bufferBudget);
        }
        return true;
    }

    /** An RST answering {@code h} (whose connection we do not know). Never answers an RST. */
    private boolean rst(VsockHeader h) {
        if (h.op() == OP_RST) return false;
        return reply(new VsockHeader(HOST_CID, guestCid, h.dstPort(), h.srcPort(), 0, TYPE_STREAM, OP_RST, 0, 0, 0));
    }

    /**
     * Queues a control packet that a guest packet asked for, unless MAX_PENDING_REPLIES are already
     * waiting: a guest that keeps asking without posting receive buffers must not grow the heap.
     * Packets bound to a connection's state (RESPONSE, the RST that ends it) are bounded by
     * MAX_CONNECTIONS instead and always queued. Caller holds the lock.
     */
    private boolean reply(VsockHeader h) {
        if (control.size() >= MAX_PENDING_REPLIES) return dropReply(h);
        control.add(h);
        return true;
    }

    private boolean dropReply(VsockHeader h) {
        droppedReplies++;
        LOG.log(Level.WARNING, "vsock: {0} control packets wait for guest receive buffers; not answering {1} from guest port {2}",
                MAX_PENDING_REPLIES, VsockHeader.opName(h.op()), h.srcPort());
        return true;   // the rx thread still has the queue to drain
    }

    private boolean resetConnection(VsockConnection c, Key key, String why) {
        LOG.log(Level.WARNING, "vsock: resetting {0}: {1}", c, why);
        connections.remove(key);
        var f = pendingConnects.remove(key);
        if (f != null) f.completeExceptionally(new ConnectException("vsock: " + why));
        c.terminate("reset: " + why);
        control.add(header(c, OP_RST, 0));
        return true;
    }

    /** Connections the host closed whose guest never sent RST: reset them after the timeout. */
    private void expireClosing() {
        long now = System.nanoTime();
        boolean wake = false;
        lock.lock();
        try {
            for (Iterator<Map.Entry<Key, VsockConnection>> it = connections.entrySet().iterator(); it.hasNext(); ) {
                VsockConnection c = it.next().getValue();
                if (c.closeDeadline != 0 && now - c.closeDeadline > 0) {
                    it.remove();
                    c.terminate("closed by the host");
                    control.add(header(c, OP_RST, 0));
                    wake = true;
                }
            }
        } finally {
            lock.unlock();
        }
        if (wake) wakeRx();
    }

    /**
     * A packet of connection {@code c}. It carries our buf_alloc, so this is where credit is granted:
     * the receive buffer is reserved from the budget first, and without room buf_alloc stays 0 (the
     * guest waits for a CREDIT_UPDATE, see {@link VsockConnection#creditGrantable}).
     */
    private VsockHeader header(VsockConnection c, int op, int flags) {
        c.grantCredit();
        c.fwdCntSent = c.fwdCnt;
        return new VsockHeader(HOST_CID, guestCid, c.hostPort, c.guestPort, 0, TYPE_STREAM, op, flags,
                c.bufAlloc, c.fwdCnt);
    }

    // ---- host -> guest (rx queue) ----

    private void fillRx(DeviceContext ctx, DeviceWorker self) {
        expireClosing();
        Virtqueue q = ctx.queue(RX);
        boolean used = false;
        while (self.running()) {
            lock.lock();
            try {
                if (!hasWork()) break;
                if (heldRx == null) heldRx = q.popValid(name());
                if (heldRx == null) {
                    // Out of receive buffers: ask the guest to tell us when it adds some.
                    rxNotifying = true;
                    lock.unlock();
                    try {
                        if (used) ctx.notifyIfNeeded(RX);
                        used = false;
                        if (q.enableNotification()) continue;
                        return;
                    } finally {
                        lock.lock();
                    }
                }
                if (rxNotifying) {
                    // Buffers again: quiet while they last (see NetDevice.deliver).
                    q.disableNotification();
                    rxNotifying = false;
                }
                int written = writeNext(heldRx);
                if (written < 0) continue;   // the chain could not take a packet; it was returned
                q.addUsed(heldRx.head(), written);
                heldRx = null;
                used = true;
            } finally {
                lock.unlock();
            }
        }
        if (used) ctx.notifyIfNeeded(RX);
        expireClosing();
    }

    private final List<VsockConnection> roundRobin = new ArrayList<>();
    private int rrIndex;

    /** Work the rx thread could do now (something to send and, or, a buffer to send it in). */
    private boolean rxPending() {
        if (!lock.tryLock()) return false;
        try {
            DeviceContext ctx = context;
            return ctx != null && hasWork() && (heldRx != null || ctx.queue(RX).hasAvailable());
        } finally {
            lock.unlock();
        }
    }

    /** Caller holds the lock. */
    private boolean hasWork() {
        if (!control.isEmpty()) return true;
        for (VsockConnection c : connections.values()) {
            if (c.owesPacket()) return true;
        }
        return false;
    }

    /** Writes the next packet into {@code chain}; returns the bytes written, or -1 if the chain was unusable. */
    private int writeNext(DescriptorChain chain) {
        GuestBuffers out = chain.writable();
        if (out.length() < VsockHeader.SIZE) {
            LOG.log(Level.WARNING, "vsock: rx buffer of {0} bytes cannot hold a header; returned empty", out.length());
            return 0;
        }
        VsockHeader h = control.poll();
        if (h != null) {
            out.write(0, h.encode());
            return VsockHeader.SIZE;
        }
        VsockConnection c = nextWithData();
        if (c == null) return -1;   // work vanished (a reset): keep the chain for later
        if (c.shutdownDue()) {
            c.shutdownSent = true;
            c.releaseSpentBuffers();
            out.write(0, header(c, OP_SHUTDOWN, c.hostClosed ? SHUTDOWN_RCV | SHUTDOWN_SEND : SHUTDOWN_SEND).encode());
            return VsockHeader.SIZE;
        }
        if (c.outbound.size() == 0 || c.peerCredit() <= 0 || c.peerRecvShutdown) {
            out.write(0, header(c, OP_CREDIT_UPDATE, 0).encode());
            return VsockHeader.SIZE;
        }
        int n = (int) Math.min(Math.min(c.outbound.size(), c.peerCredit()), Math.min(out.length() - VsockHeader.SIZE, MAX_PAYLOAD));
        VsockHeader rw = header(c, OP_RW, 0).withLen(n);
        c.outbound.take(out, VsockHeader.SIZE, n);
        c.txCnt += n;
        out.write(0, rw.encode());
        c.changed.signalAll();   // room for blocked host writers
        return VsockHeader.SIZE + n;
    }

    private VsockConnection nextWithData() {
        roundRobin.clear();
        for (VsockConnection c : connections.values()) {
            if (c.owesPacket()) roundRobin.add(c);
        }
        if (roundRobin.isEmpty()) return null;
        rrIndex = (rrIndex + 1) % roundRobin.size();
        return roundRobin.get(rrIndex);
    }
}
