package io.jvmm.virtio.net;

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
 * thread queues received frames (up to {@link #RX_BACKLOG}, then drops, as a NIC does) and wakes
 * {@code virtio-net-rx}, which copies them into the guest's receive buffers.
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

    private final String id;
    private final MacAddress mac;
    private final NetBackend backend;
    private final ArrayDeque<byte[]> backlog = new ArrayDeque<>();
    private final LongAdder rxFrames = new LongAdder(), txFrames = new LongAdder(), rxDropped = new LongAdder();
    private boolean backendStarted;
    private boolean closed;
    private DeviceWorker txWorker, rxWorker;
    private volatile QueueEvent rxEvent;
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
        return VirtioFeatures.bit(VirtioFeatures.VIRTIO_F_VERSION_1)
                | VirtioFeatures.bit(VirtioFeatures.VIRTIO_F_RING_EVENT_IDX)
                | VirtioFeatures.bit(VirtioFeatures.VIRTIO_F_RING_INDIRECT_DESC)
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
        rxEvent = ctx.event(RX);
        txWorker = DeviceWorker.start("virtio-net-" + id + "-tx", ctx, ctx.event(TX), self -> drainTx(ctx, self));
        rxWorker = DeviceWorker.start("virtio-net-" + id + "-rx", ctx, ctx.event(RX), self -> fillRx(ctx, self));
        if (!backendStarted) {
            backendStarted = true;
            backend.start(this::received);
        }
    }

    /** From the backend's thread: one frame for the guest. */
    private void received(byte[] frame) {
        if (frame.length > MAX_FRAME) {
            rxDropped.increment();
            return;
        }
        QueueEvent e;
        synchronized (backlog) {
            e = rxEvent;
            // No driver (before DRIVER_OK, after a reset) or a full backlog: drop, as a NIC would.
            if (e == null || backlog.size() >= RX_BACKLOG) {
                rxDropped.increment();
                return;
            }
            backlog.add(frame);
        }
        e.signal();
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

    private void fillRx(DeviceContext ctx, DeviceWorker self) {
        Virtqueue q = ctx.queue(RX);
        boolean used = false;
        while (self.running()) {
            byte[] frame;
            synchronized (backlog) {
                frame = backlog.peek();
            }
            if (frame == null) break;
            DescriptorChain chain = q.popValid(name());
            if (chain == null) {
                if (used) ctx.notifyIfNeeded(RX);
                used = false;
                if (q.enableNotification()) continue;   // buffers arrived meanwhile
                return;                                   // wait for the guest to add some
            }
            GuestBuffers in = chain.writable();
            synchronized (backlog) {
                backlog.poll();
            }
            if (in.length() < HEADER_SIZE + frame.length) {
                // Without VIRTIO_NET_F_MRG_RXBUF every buffer must hold a whole frame (5.1.6.3.1).
                LOG.log(Level.WARNING, "{0}: receive buffer of {1} bytes is too small for a {2}-byte frame; dropped",
                        name(), in.length(), frame.length);
                rxDropped.increment();
                q.addUsed(chain.head(), 0);
                used = true;
                continue;
            }
            byte[] hdr = new byte[HEADER_SIZE];
            hdr[10] = 1;   // num_buffers
            in.write(0, hdr);
            in.write(HEADER_SIZE, frame);
            q.addUsed(chain.head(), HEADER_SIZE + frame.length);
            rxFrames.increment();
            used = true;
        }
        if (used) ctx.notifyIfNeeded(RX);
    }

    @Override
    public synchronized void reset() {
        synchronized (backlog) {
            rxEvent = null;
            backlog.clear();
        }
        if (txWorker != null) txWorker.stop();
        if (rxWorker != null) rxWorker.stop();
        txWorker = rxWorker = null;
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
