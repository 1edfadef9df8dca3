package io.jvmm.virtio.net;

import io.jvmm.virtio.DeviceContext;
import io.jvmm.virtio.DeviceWorker;
import io.jvmm.virtio.RateLimitedLog;
import io.jvmm.virtio.VirtioDevice;
import io.jvmm.virtio.VirtioFeatures;
import io.jvmm.virtio.VirtioIds;
import io.jvmm.virtio.VirtioProtocolException;
import io.jvmm.virtio.queue.DescriptorChain;
import io.jvmm.virtio.queue.GuestBuffers;
import io.jvmm.virtio.queue.Virtqueue;
import io.jvmm.virtio.ratelimit.RateLimit;
import io.jvmm.virtio.ratelimit.RateLimiter;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * virtio-net (virtio 1.2 section 5.1) with one receive and one transmit queue and no offloads:
 * neither passt nor a plain TAP tells us it would take partial checksums or large segments, so the
 * device does not pretend. Every buffer starts with the 12-byte {@code virtio_net_hdr_v1}, all zero
 * here (num_buffers 1 on receive).
 *
 * <p>Threads: {@code virtio-net-tx} sends the guest's frames to the backend; the backend's reader
 * thread puts received frames straight into the guest's receive buffers. When the guest has none,
 * that thread waits for the guest's notification that it added some, and the backend reads nothing
 * meanwhile (QEMU does the same): frames wait in passt or the TAP device, which drop when full, as
 * a NIC whose ring is full does. No second thread and no copy into a backlog: with those, a host
 * to guest UDP flood reached 0.77x QEMU's rate here, without them ~1.0x (benchmarks/run.sh net-rx),
 * on a host where every cycle the VMM spends is one the polling vCPU does not get.
 */
public final class NetDevice implements VirtioDevice {
    private static final RateLimitedLog LOG = RateLimitedLog.of(NetDevice.class);
    public static final int VIRTIO_NET_F_MTU = 3, VIRTIO_NET_F_MAC = 5, VIRTIO_NET_F_STATUS = 16;
    static final int RX = 0, TX = 1;
    static final int QUEUE_SIZE = 256;
    /** virtio_net_hdr_v1: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset, num_buffers. */
    public static final int HEADER_SIZE = 12;
    /** The largest frame without GSO: 65535 bytes of IP plus the Ethernet header and a VLAN tag. */
    static final int MAX_FRAME = 65535 + 18;

    static final int MTU = 1500;
    /** The tx thread polls the ring this long before it sleeps (as virtio-blk's does). */
    static final long POLL_NANOS = Long.getLong("jvmm.net.pollNanos", 20_000);

    private final String id;
    /** {@link #name()}, built once: it is passed on every pop, for the log line of a refused chain. */
    private final String name;

    private final MacAddress mac;
    private final NetBackend backend;
    /** Guards {@link #rxContext} and the receive queue between the backend's thread and pause/reset. */
    private final Object rxLock = new Object();
    /** virtio_net_hdr_v1 of every received frame: no offload information, num_buffers = 1. */
    private static final byte[] RX_HEADER = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};

    private final LongAdder rxFrames = new LongAdder(), txFrames = new LongAdder(), rxDropped = new LongAdder();
    private boolean backendStarted;
    private boolean closed;
    private DeviceWorker txWorker;
    private DeviceContext context;
    /** Set while the driver is active; guarded by {@link #rxLock}. */
    private DeviceContext rxContext;
    /** The receive queue ran dry and the guest was asked to notify; guarded by {@link #rxLock}. */
    private boolean rxNotifying;

    private final RateLimiter rxLimiter;
    private final RateLimiter txLimiter;
    // Made once: the receive path runs them (or passes them) for every frame.
    private final BooleanSupplier rxReceiving = this::receiving;
    private final Runnable rxInterrupt = this::interruptForReceived;
    private final Arena txArena = Arena.ofShared();
    private final MemorySegment txBuffer = txArena.allocate(MAX_FRAME);

    public NetDevice(String id, MacAddress mac, NetBackend backend) {
        this(id, mac, backend, RateLimit.UNLIMITED, RateLimit.UNLIMITED);
    }

    /** As above, with bytes and frames received ({@code rx}) and sent ({@code tx}) limited, each changeable later. */
    public NetDevice(String id, MacAddress mac, NetBackend backend, RateLimit rx, RateLimit tx) {
        this.rxLimiter = RateLimiter.of(rx);
        this.txLimiter = RateLimiter.of(tx);
        this.id = id;
        this.name = "net-" + id;
        this.mac = mac;
        this.backend = backend;
    }

    public MacAddress mac() {
        return mac;
    }

    public NetBackend backend() {
        return backend;
    }

    public long rxFrames() {
        return rxFrames.sum();
    }

    public long txFrames() {
        return txFrames.sum();
    }

    public long rxDropped() {
        return rxDropped.sum();
    }
    /** The live limit on frames to the guest. */
    public RateLimiter rxRateLimiter() {
        return rxLimiter;
    }
    /** The live limit on frames from the guest. */
    public RateLimiter txRateLimiter() {
        return txLimiter;
    }

    @Override
    public int deviceType() {
        return VirtioIds.VIRTIO_ID_NET;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int queueCount() {
        return 2;
    }

    @Override
    public int maxQueueSize(int index) {
        return QUEUE_SIZE;
    }
    /** mac[6], status, max_virtqueue_pairs, mtu. */
    @Override
    public int configSize() {
        return 12;
    }

    @Override
    public long deviceFeatures() {
        return VirtioFeatures.TRANSPORT
                | VirtioFeatures.bit(VIRTIO_NET_F_MAC)
                | VirtioFeatures.bit(VIRTIO_NET_F_STATUS)
                | VirtioFeatures.bit(VIRTIO_NET_F_MTU);
    }

    @Override
    public void readConfig(int offset, MemorySegment data) {
        byte[] c = new byte[12];
        System.arraycopy(mac.bytes(), 0, c, 0, 6);
        c[6] = 1; // status: VIRTIO_NET_S_LINK_UP
        c[8] = 1; // max_virtqueue_pairs
        c[10] = (byte) (MTU & 0xff);
        c[11] = (byte) (MTU >> 8);
        MemorySegment.copy(MemorySegment.ofArray(c), offset, data, 0, data.byteSize());
    }

    @Override
    public synchronized void activate(DeviceContext ctx) {
        reset();
        context = ctx;
        synchronized (rxLock) {
            // While the guest has receive buffers we need no notification when it adds more (QEMU does
            // the same): each one would be an exit. They are enabled again when the buffers run out.
            ctx.queue(RX).disableNotification();
            rxNotifying = false;
        }
        resume();
        if (!backendStarted) {
            backendStarted = true;
            backend.start(new NetBackend.FrameSink() {
                @Override
                public void accept(MemorySegment frame) {
                    received(frame);
                }

                @Override
                public void endOfBatch() {
                    interruptForReceived();
                }
            });
        }
    }

    @Override
    public synchronized void pause() {
        DeviceContext was;
        synchronized (rxLock) {
            was = rxContext;
            if (was != null) was.notifyIfNeeded(RX); // for the frames of a read cut short
            rxContext = null; // frames arriving while paused are dropped, as by a NIC that is down
        }
        // A reader waiting for receive buffers wakes, sees no driver and drops its frame.
        if (was != null) was.event(RX).signal();
        if (txWorker != null) txWorker.stop();
        txWorker = null;
    }

    @Override
    public synchronized void resume() {
        DeviceContext ctx = context;
        if (ctx == null || txWorker != null) return;
        txWorker = DeviceWorker.start(
                "virtio-net-" + id + "-tx",
                ctx,
                ctx.event(TX),
                self -> drainTx(ctx, self),
                POLL_NANOS,
                () -> ctx.queue(TX).hasAvailable());
        synchronized (rxLock) {
            rxContext = ctx;
        }
    }

    /**
     * From the backend's thread: one frame for the guest, copied straight into its next receive
     * buffer. With none there, waits for the guest to add one (its notification, or a pause or
     * reset, which drops the frame). Never throws: a broken receive ring fails the device.
     */
    private void received(MemorySegment frame) {
        if (frame.byteSize() > MAX_FRAME) {
            rxDropped.increment();
            return;
        }
        // Held back while over the limit: the backend stops reading, so its sender is slowed (TCP) or
        // its own buffer overflows (UDP), as on a slow link. The guest hears of earlier frames first.
        rxLimiter.acquire(frame.byteSize(), 1, rxReceiving, rxInterrupt);
        while (true) {
            DeviceContext ctx;
            synchronized (rxLock) {
                ctx = rxContext;
                // No driver (before DRIVER_OK, after a reset, while paused): drop, as a NIC would.
                if (ctx == null) {
                    rxDropped.increment();
                    return;
                }
                try {
                    if (deliver(ctx, frame)) return;
                    // No buffer: an interrupt-driven guest must hear of what it has been given
                    // before it frees any.
                    ctx.notifyIfNeeded(RX);
                } catch (VirtioProtocolException e) {
                    LOG.log(
                            Level.WARNING,
                            "{0}: guest protocol error on the receive queue, device needs reset: {1}",
                            name(),
                            e.getMessage());
                    rxContext = null;
                    ctx.fail(e.getMessage());
                    rxDropped.increment();
                    return;
                }
            }
            try {
                ctx.event(RX).await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                rxDropped.increment();
                return;
            }
        }
    }

    private boolean receiving() {
        synchronized (rxLock) {
            return rxContext != null;
        }
    }

    /** From the backend's thread, after a read's frames: one interrupt for all of them, if the guest wants it. */
    private void interruptForReceived() {
        synchronized (rxLock) {
            if (rxContext != null) rxContext.notifyIfNeeded(RX);
        }
    }

    /**
     * Copies {@code frame} into the guest's next receive buffer and returns it through the used ring
     * at once (the guest may recycle it while the rest of the read is copied; the interrupt waits
     * for the read's end). False when there is none: then the guest is asked to notify when it adds
     * some. Caller holds {@link #rxLock}.
     */
    private boolean deliver(DeviceContext ctx, MemorySegment frame) {
        Virtqueue q = ctx.queue(RX);
        DescriptorChain chain = q.popValid(name());
        if (chain == null) {
            // Out of buffers: ask the guest to tell us when it adds some, unless it just did.
            rxNotifying = true;
            if (!q.enableNotification()) return false;
            chain = q.popValid(name());
            if (chain == null) return false;
        }
        if (rxNotifying) {
            // Buffers again: quiet while they last, as in activate(). Left enabled, a driver without
            // EVENT_IDX (whose only signal is VIRTQ_USED_F_NO_NOTIFY) kicked after every refill from
            // then on: measured, 33-52 kicks per 1000 datagrams against QEMU's 18-30.
            q.disableNotification();
            rxNotifying = false;
        }
        GuestBuffers in = chain.writable();
        if (in.length() < HEADER_SIZE + frame.byteSize()) {
            // Without VIRTIO_NET_F_MRG_RXBUF every buffer must hold a whole frame (5.1.6.3.1).
            LOG.log(
                    Level.WARNING,
                    "{0}: receive buffer of {1} bytes is too small for a {2}-byte frame; dropped",
                    name(),
                    in.length(),
                    frame.byteSize());
            rxDropped.increment();
            q.addUsed(chain.head(), 0);
            return true;
        }
        in.write(0, RX_HEADER);
        in.write(HEADER_SIZE, frame);
        q.addUsed(chain.head(), (int) (HEADER_SIZE + frame.byteSize()));
        rxFrames.increment();
        return true;
    }

    private void drainTx(DeviceContext ctx, DeviceWorker self) throws IOException {
        Virtqueue q = ctx.queue(TX);
        BooleanSupplier running = self::running;
        Runnable notifyTx = () -> ctx.notifyIfNeeded(TX);
        do {
            q.disableNotification();
            DescriptorChain chain;
            while (self.running() && (chain = q.popValid(name())) != null) {
                // Held back while over the limit (the guest hears of what was sent so far first).
                txLimiter.acquire(Math.max(0, chain.readable().length() - HEADER_SIZE), 1, running, notifyTx);
                transmit(chain.readable());
                q.addUsed(chain.head(), 0);
            }
            ctx.notifyIfNeeded(TX);
        } while (self.running() && q.enableNotification());
    }

    private void transmit(GuestBuffers out) throws IOException {
        long len = out.length() - HEADER_SIZE;
        if (len < 14 || len > MAX_FRAME) {
            LOG.log(
                    Level.WARNING,
                    "{0}: transmit buffer of {1} bytes is not a header plus an Ethernet frame; dropped",
                    name(),
                    out.length());
            return;
        }
        MemorySegment frame = txBuffer.asSlice(0, len);
        out.read(HEADER_SIZE, frame);
        backend.send(frame);
        txFrames.increment();
    }

    @Override
    public synchronized void reset() {
        pause();
        context = null;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        reset();
        try {
            backend.close();
        } finally {
            txArena.close();
        }
    }
}
