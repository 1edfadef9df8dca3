package io.jvmm.virtio.net;

import io.jvmm.virtio.DeviceContext;
import io.jvmm.virtio.DeviceWorker;
import io.jvmm.virtio.RateLimitedLog;
import io.jvmm.virtio.VirtioDevice;
import io.jvmm.virtio.VirtioFeatures;
import io.jvmm.virtio.VirtioIds;
import io.jvmm.virtio.queue.DescriptorChain;
import io.jvmm.virtio.queue.GuestBuffers;
import io.jvmm.virtio.queue.Virtqueue;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.LongAdder;

/**
 * virtio-net (virtio 1.2 section 5.1) with one receive and one transmit queue and no offloads:
 * neither passt nor a plain TAP tells us it would take partial checksums or large segments, so the
 * device does not pretend. Every buffer starts with the 12-byte {@code virtio_net_hdr_v1}, all zero
 * here (num_buffers 1 on receive).
 *
 * <p>Threads: {@code virtio-net-tx} sends the guest's frames to the backend; the backend's reader
 * thread puts received frames straight into the guest's receive buffers, or, when the guest has none,
 * queues them (up to {@link #RX_BACKLOG}, then drops, as a NIC does) for {@code virtio-net-rx}, which
 * delivers them once the guest adds buffers.
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
    static final int RX_BACKLOG = 1024;
    static final int MTU = 1500;
    /** The tx thread polls the ring this long before it sleeps (as virtio-blk's does). */
    static final long POLL_NANOS = Long.getLong("jvmm.net.pollNanos", 20_000);

    private final String id;
    private final MacAddress mac;
    private final NetBackend backend;
    private final ArrayDeque<MemorySegment> backlog = new ArrayDeque<>();
    /** virtio_net_hdr_v1 of every received frame: no offload information, num_buffers = 1. */
    private static final byte[] RX_HEADER = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0};
    private final LongAdder rxFrames = new LongAdder(), txFrames = new LongAdder(), rxDropped = new LongAdder();
    private boolean backendStarted;
    private boolean closed;
    private DeviceWorker txWorker, rxWorker;
    private DeviceContext context;
    /** Set while the driver is active; guarded by the backlog's lock. */
    private DeviceContext rxContext;
    private final Arena txArena = Arena.ofShared();
    private final MemorySegment txBuffer = txArena.allocate(MAX_FRAME);

    public NetDevice(String id, MacAddress mac, NetBackend backend) {
        this.id = id;
        this.mac = mac;
        this.backend = backend;
    }

    public MacAddress mac() { return mac; }
    public NetBackend backend() { return backend; }
    public long rxFrames() { return rxFrames.sum(); }
    public long txFrames() { return txFrames.sum(); }
    public long rxDropped() { return rxDropped.sum(); }

    @Override public int deviceType() { return VirtioIds.VIRTIO_ID_NET; }
    @Override public String name() { return "net-" + id; }
    @Override public int queueCount() { return 2; }
    @Override public int maxQueueSize(int index) { return QUEUE_SIZE; }
    /** mac[6], status, max_virtqueue_pairs, mtu. */
    @Override public int configSize() { return 12; }

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
        c[6] = 1;            // status: VIRTIO_NET_S_LINK_UP
        c[8] = 1;            // max_virtqueue_pairs
        c[10] = (byte) (MTU & 0xff);
        c[11] = (byte) (MTU >> 8);
        MemorySegment.copy(MemorySegment.ofArray(c), offset, data, 0, data.byteSize());
    }

    @Override
    public synchronized void activate(DeviceContext ctx) {
        reset();
        context = ctx;
        synchronized (backlog) {
            // While the guest has receive buffers we need no notification when it adds more (QEMU does
            // the same): each one would be an exit. They are enabled again when the buffers run out.
            ctx.queue(RX).disableNotification();
        }
        resume();
        if (!backendStarted) {
            backendStarted = true;
            backend.start(this::received);
        }
    }

    @Override
    public synchronized void pause() {
        synchronized (backlog) {
            rxContext = null;   // frames arriving while paused are dropped, as by a NIC that is down
        }
        if (txWorker != null) txWorker.stop();
        if (rxWorker != null) rxWorker.stop();
        txWorker = rxWorker = null;
    }

    @Override
    public synchronized void resume() {
        DeviceContext ctx = context;
        if (ctx == null || txWorker != null) return;
        txWorker = DeviceWorker.start("virtio-net-" + id + "-tx", ctx, ctx.event(TX), self -> drainTx(ctx, self),
                POLL_NANOS, () -> ctx.queue(TX).hasAvailable());
        rxWorker = DeviceWorker.start("virtio-net-" + id + "-rx", ctx, ctx.event(RX), self -> fillRx(ctx, self));
        synchronized (backlog) {
            rxContext = ctx;
        }
    }

    /**
     * From the backend's thread: one frame for the guest. It goes straight into a receive buffer
     * when the guest has one and nothing is queued before it (no thread hand-off per frame);
     * otherwise it waits in the backlog until the guest adds buffers.
     */
    private void received(MemorySegment frame) {
        if (frame.byteSize() > MAX_FRAME) {
            rxDropped.increment();
            return;
        }
        synchronized (backlog) {
            DeviceContext ctx = rxContext;
            // No driver (before DRIVER_OK, after a reset): drop, as a NIC would.
            if (ctx == null) {
                rxDropped.increment();
                return;
            }
            if (backlog.isEmpty() && deliver(ctx, frame)) {
                ctx.notifyIfNeeded(RX);
                return;
            }
            if (backlog.size() >= RX_BACKLOG) {
                rxDropped.increment();
                return;
            }
            backlog.add(MemorySegment.ofArray(frame.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE)));
        }
    }

    /**
     * Copies {@code frame} into the guest's next receive buffer; false when there is none (then the
     * guest is asked to notify when it adds some). Caller holds the backlog lock.
     */
    private boolean deliver(DeviceContext ctx, MemorySegment frame) {
        Virtqueue q = ctx.queue(RX);
        DescriptorChain chain = q.popValid(name());
        if (chain == null) {
            // Out of buffers: ask the guest to tell us when it adds some...
            if (!q.enableNotification()) return false;
            // ...unless it just did: then back to quiet, as below.
            q.disableNotification();
            chain = q.popValid(name());
            if (chain == null) return false;
        }
        GuestBuffers in = chain.writable();
        if (in.length() < HEADER_SIZE + frame.byteSize()) {
            // Without VIRTIO_NET_F_MRG_RXBUF every buffer must hold a whole frame (5.1.6.3.1).
            LOG.log(Level.WARNING, "{0}: receive buffer of {1} bytes is too small for a {2}-byte frame; dropped",
                    name(), in.length(), frame.byteSize());
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
        do {
            q.disableNotification();
            DescriptorChain chain;
            while (self.running() && (chain = q.popValid(name())) != null) {
                transmit(chain.readable());
                q.addUsed(chain.head(), 0);
            }
            ctx.notifyIfNeeded(TX);
        } while (self.running() && q.enableNotification());
    }

    private void transmit(GuestBuffers out) throws IOException {
        long len = out.length() - HEADER_SIZE;
        if (len < 14 || len > MAX_FRAME) {
            LOG.log(Level.WARNING, "{0}: transmit buffer of {1} bytes is not a header plus an Ethernet frame; dropped",
                    name(), out.length());
            return;
        }
        MemorySegment frame = txBuffer.asSlice(0, len);
        out.read(HEADER_SIZE, frame);
        backend.send(frame);
        txFrames.increment();
    }

    /** The guest added receive buffers: move what waits in the backlog into them. */
    private void fillRx(DeviceContext ctx, DeviceWorker self) {
        boolean used = false;
        synchronized (backlog) {
            MemorySegment frame;
            while (self.running() && (frame = backlog.peek()) != null && deliver(ctx, frame)) {
                backlog.poll();
                used = true;
            }
        }
        if (used) ctx.notifyIfNeeded(RX);
    }

    @Override
    public synchronized void reset() {
        pause();
        synchronized (backlog) {
            backlog.clear();
        }
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
