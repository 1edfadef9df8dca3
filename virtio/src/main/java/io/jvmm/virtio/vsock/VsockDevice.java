package io.jvmm.virtio.vsock;

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

/**
 * virtio-vsock (virtio 1.2 section 5.10), stream sockets between the guest and this JVM: the host
 * side is an in-process API ({@link #connect}, {@link #listen}) and, for ports nobody listens on, a
 * {@link GuestConnectionHandler} (the hybrid Unix-socket backend).
 *
 * <p>This class is the virtio device only: features, the guest CID in config space, the rx, tx and
 * event queues, and its threads. Packets go to and come from the {@link VsockMuxer}, which owns the
 * connections ({@link VsockConnection}: state, credit flow control, buffers).
 *
 * <p>Threads: {@code virtio-vsock-tx} hands the guest's packets to the muxer,
 * {@code virtio-vsock-rx} fills the guest's receive buffers with the muxer's packets, and
 * {@code virtio-vsock-timer} wakes the rx thread while host closes wait for the guest. Host threads
 * wake the rx thread through its queue event.
 */
public final class VsockDevice implements VirtioDevice {
    static final RateLimitedLog LOG = RateLimitedLog.of(VsockDevice.class);
    static final int RX = 0, TX = 1, EVENT = 2;
    static final int QUEUE_SIZE = 256;
    /** How long each device thread polls for more work before it sleeps. */
    static final long POLL_NANOS = Long.getLong("jvmm.vsock.pollNanos", 20_000);
    /** How often the timer thread looks for host closes the guest has not answered. */
    private static final long TIMER_MILLIS = 500;

    /**
     * What all connection buffers together may hold by default: 64 connections' receive and send
     * buffers, or 128 receive buffers. Without it, a guest filling MAX_CONNECTIONS connections would
     * make the VMM hold a quarter of a GiB.
     */
    public static final long DEFAULT_BUFFER_BUDGET = 32L << 20;

    private final long guestCid;
    private final VsockMuxer muxer;
    /**
     * The rx chain popped while nothing could be written into it yet, and whether the guest was
     * asked to notify when it adds rx buffers. Only the rx thread touches them (and reset, once that
     * thread has stopped).
     */
    private DescriptorChain heldRx;

    private boolean rxNotifying;

    private volatile DeviceContext context;
    private DeviceWorker txWorker, rxWorker;
    private Thread timer;
    private volatile QueueEvent rxEvent;

    /** @param guestCid the guest's context id, 3 or more (0-2 are reserved) */
    public VsockDevice(long guestCid) {
        this(guestCid, DEFAULT_BUFFER_BUDGET);
    }

    /**
     * @param guestCid     the guest's context id, 3 or more (0-2 are reserved)
     * @param bufferBudget bytes all connection buffers together may hold, at least one connection's
     *                     receive and send buffers (512 KiB); see {@link #DEFAULT_BUFFER_BUDGET}
     */
    public VsockDevice(long guestCid, long bufferBudget) {
        if (guestCid < 3 || guestCid > 0xffff_fffeL) {
            throw new IllegalArgumentException("vsock guest CID must be between 3 and 4294967294, got " + guestCid);
        }
        long min = ConnectionBuffers.RECEIVE + ConnectionBuffers.SEND;
        if (bufferBudget < min) {
            throw new IllegalArgumentException(
                    "vsock buffer budget must be at least " + min + " bytes, got " + bufferBudget);
        }
        this.guestCid = guestCid;
        this.muxer = new VsockMuxer(guestCid, bufferBudget, this::wakeRx);
    }

    public long guestCid() {
        return guestCid;
    }

    /** Bytes all connection buffers together may hold. */
    public long bufferBudget() {
        return muxer.budget().limit();
    }

    /** Where guest connections to ports without an in-process listener go; null resets them. */
    public void setFallback(GuestConnectionHandler handler) {
        muxer.setFallback(handler);
    }

    /** The connections' side (for tests in this package). */
    VsockMuxer muxer() {
        return muxer;
    }

    @Override
    public int deviceType() {
        return VirtioIds.VIRTIO_ID_VSOCK;
    }

    @Override
    public String name() {
        return "vsock";
    }

    @Override
    public int queueCount() {
        return 3;
    }

    @Override
    public int maxQueueSize(int index) {
        return QUEUE_SIZE;
    }

    @Override
    public int configSize() {
        return 8;
    }

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
        // No notification for rx buffers the guest adds while there is nothing to send or
        // buffers remain (each would be an exit): asked for only when a packet finds none.
        ctx.queue(RX).disableNotification();
        rxNotifying = false;
        muxer.activate();
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
        txWorker = DeviceWorker.start(
                "virtio-vsock-tx",
                ctx,
                ctx.event(TX),
                self -> drainTx(ctx, self),
                POLL_NANOS,
                () -> ctx.queue(TX).hasAvailable());
        rxWorker = DeviceWorker.start(
                "virtio-vsock-rx", ctx, ctx.event(RX), self -> fillRx(ctx, self), POLL_NANOS, this::rxPending);
        // The device threads sleep until the guest or the host does something; this wakes the rx
        // thread now and then so host-closed connections the guest never answers are reset.
        timer = Thread.ofPlatform().name("virtio-vsock-timer").daemon().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(TIMER_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
                if (muxer.closingPending()) wakeRx();
            }
        });
    }

    @Override
    public synchronized void reset() {
        pause();
        rxEvent = null;
        context = null;
        heldRx = null;
        muxer.reset();
    }

    @Override
    public synchronized void close() {
        reset();
        muxer.closeListeners();
    }

    /** Wakes the rx thread: host data, a credit update or a control packet is waiting. */
    private void wakeRx() {
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
                c.writable().write(0, new byte[4]); // le32 id 0: VIRTIO_VSOCK_EVENT_TRANSPORT_RESET
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
        return muxer.connect(guestPort, timeout);
    }

    /** Accepts the guest's connections to host port {@code port}. One listener per port. */
    public VsockListener listen(int port) {
        return listen(port, VsockMuxer.MAX_CONNECTIONS);
    }

    /**
     * Accepts the guest's connections to host port {@code port}, at most {@code maxConnections} of
     * them live at once: further requests are reset until one ends (the guest closes or resets it,
     * or the host closes it). One listener per port.
     */
    public VsockListener listen(int port, int maxConnections) {
        return muxer.listen(port, maxConnections);
    }

    /** Replies to guest packets dropped because too many were waiting (for tests and diagnostics). */
    public long droppedReplies() {
        return muxer.droppedReplies();
    }

    /** Live connections (for tests and diagnostics). */
    public int connectionCount() {
        return muxer.connectionCount();
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
            muxer.expireClosing();
        } while (self.running() && q.enableNotification());
    }

    private void handlePacket(DescriptorChain chain) {
        GuestBuffers in = chain.readable();
        if (in.length() < VsockHeader.SIZE) {
            LOG.log(Level.WARNING, "vsock: tx packet of {0} bytes is shorter than a header; dropped", in.length());
            return;
        }
        muxer.fromGuest(VsockHeader.parse(in.readBytes(0, VsockHeader.SIZE)), in);
    }

    // ---- host -> guest (rx queue) ----

    private void fillRx(DeviceContext ctx, DeviceWorker self) {
        muxer.expireClosing();
        Virtqueue q = ctx.queue(RX);
        boolean used = false;
        while (self.running() && muxer.hasPacketForGuest()) {
            if (heldRx == null) heldRx = q.popValid(name());
            if (heldRx == null) {
                // Out of receive buffers: ask the guest to tell us when it adds some.
                rxNotifying = true;
                if (used) ctx.notifyIfNeeded(RX);
                used = false;
                if (q.enableNotification()) continue;
                return;
            }
            if (rxNotifying) {
                // Buffers again: quiet while they last (see NetDevice.deliver).
                q.disableNotification();
                rxNotifying = false;
            }
            int written = writePacket(heldRx.writable());
            if (written < 0) continue; // nothing to send after all (a reset): keep the chain for later
            q.addUsed(heldRx.head(), written);
            heldRx = null;
            used = true;
        }
        if (used) ctx.notifyIfNeeded(RX);
        muxer.expireClosing();
    }

    /** Writes the muxer's next packet into {@code out}; returns the bytes written, or -1 if there was none. */
    private int writePacket(GuestBuffers out) {
        if (out.length() < VsockHeader.SIZE) {
            LOG.log(Level.WARNING, "vsock: rx buffer of {0} bytes cannot hold a header; returned empty", out.length());
            return 0;
        }
        return muxer.toGuest(out);
    }

    /** Work the rx thread could do now (something to send and a buffer to send it in). */
    private boolean rxPending() {
        DeviceContext ctx = context;
        return ctx != null
                && muxer.hasPacketForGuestNoWait()
                && (heldRx != null || ctx.queue(RX).hasAvailable());
    }
}
