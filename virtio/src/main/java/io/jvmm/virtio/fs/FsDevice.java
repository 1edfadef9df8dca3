package io.jvmm.virtio.fs;

import io.jvmm.virtio.DeviceContext;
import io.jvmm.virtio.DeviceWorker;
import io.jvmm.virtio.RateLimitedLog;
import io.jvmm.virtio.VirtioDevice;
import io.jvmm.virtio.VirtioFeatures;
import io.jvmm.virtio.VirtioIds;
import io.jvmm.virtio.queue.DescriptorChain;
import io.jvmm.virtio.queue.GuestBuffers;
import io.jvmm.virtio.queue.QueueDrain;
import io.jvmm.virtio.queue.Virtqueue;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * virtio-fs (virtio 1.2 section 5.11, device id 26): queue 0 is the high-priority queue (FORGET,
 * BATCH_FORGET, INTERRUPT), queues 1..N the request queues; each queue has its own device thread
 * ({@code virtio-fs-<tag>-hiprio}, {@code virtio-fs-<tag>-req<i>}) that hands every chain to the
 * {@link FsRequestHandler}. Configuration space: {@code tag[36]} (UTF-8, NUL-padded) and
 * {@code le32 num_request_queues}. No device-specific features (no notification queue, no DAX window).
 *
 * <p>A handler that throws (a server bug; guest input never should) is answered with EIO for that
 * request and logged; the device keeps serving. A broken ring ends the queue's thread and puts the
 * device in NEEDS_RESET, as for every device ({@link DeviceWorker}).
 */
public final class FsDevice implements VirtioDevice {
    private static final RateLimitedLog LOG = RateLimitedLog.of(FsDevice.class);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** The tag's size in configuration space. */
    public static final int TAG_SIZE = 36;

    static final int CONFIG_SIZE = TAG_SIZE + 4;
    static final int QUEUE_SIZE = 1024;
    /** Request queues a device may have: Linux uses one; more only help a guest that spreads requests. */
    public static final int MAX_REQUEST_QUEUES = 16;

    private static final int EIO = 5, OUT_HEADER = 16;
    /** Requests served between two interrupt decisions: one per batch, not one per request. */
    static final int MAX_BATCH = 32;
    /**
     * How long a request queue's thread polls for the next request before it sleeps; 0 (the default)
     * never polls. Worth it only when the device thread has a core of its own: on a host whose cores
     * are all busy the spinning thread takes the core the vCPU needs (docs/performance.md).
     */
    static final long POLL_NANOS = Long.getLong("jvmm.fs.pollNanos", 0);

    private final String tag;
    private final String name;
    private final int requestQueues;
    private final FsRequestHandler handler;
    private final byte[] config;
    private final LongAdder requests = new LongAdder();
    private final List<DeviceWorker> workers = new ArrayList<>();
    private DeviceContext context;

    /**
     * @param tag           the name the guest mounts ({@code mount -t virtiofs TAG /mnt}): 1 to 36 bytes
     *                      of UTF-8, no NUL
     * @param requestQueues 1 to {@link #MAX_REQUEST_QUEUES}
     * @param handler       serves the requests; the device closes it
     */
    public FsDevice(String tag, int requestQueues, FsRequestHandler handler) {
        byte[] t = tag.getBytes(StandardCharsets.UTF_8);
        if (t.length == 0 || t.length > TAG_SIZE || tag.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(
                    "virtio-fs tag '" + tag + "' must be 1 to " + TAG_SIZE + " bytes of UTF-8 without NUL");
        }
        if (requestQueues < 1 || requestQueues > MAX_REQUEST_QUEUES) {
            throw new IllegalArgumentException(
                    "virtio-fs request queues must be 1 to " + MAX_REQUEST_QUEUES + ": " + requestQueues);
        }
        this.tag = tag;
        this.name = "fs-" + tag;
        this.requestQueues = requestQueues;
        this.handler = handler;
        MemorySegment c = MemorySegment.ofArray(new byte[CONFIG_SIZE]);
        MemorySegment.copy(t, 0, c, ValueLayout.JAVA_BYTE, 0, t.length);
        c.set(U32, TAG_SIZE, requestQueues);
        this.config = c.toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public int deviceType() {
        return VirtioIds.VIRTIO_ID_FS;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long deviceFeatures() {
        return VirtioFeatures.TRANSPORT;
    }

    @Override
    public int queueCount() {
        return 1 + requestQueues;
    }

    @Override
    public int maxQueueSize(int index) {
        return QUEUE_SIZE;
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    public String tag() {
        return tag;
    }

    /** Requests served since the device was created. */
    public long requestCount() {
        return requests.sum();
    }

    @Override
    public void readConfig(int offset, MemorySegment data) {
        MemorySegment.copy(MemorySegment.ofArray(config), offset, data, 0, data.byteSize());
    }

    @Override
    public synchronized void activate(DeviceContext context) {
        reset();
        this.context = context;
        resume();
    }

    @Override
    public synchronized void pause() {
        for (DeviceWorker w : workers) w.stop();
        workers.clear();
    }

    @Override
    public synchronized void resume() {
        DeviceContext c = context;
        if (c == null || !workers.isEmpty()) return;
        for (int i = 0; i < queueCount(); i++) {
            int index = i;
            String thread = "virtio-fs-" + tag + (i == 0 ? "-hiprio" : "-req" + (i - 1));
            Virtqueue q = c.queue(i);
            // A request queue spins POLL_NANOS for the next request before it sleeps, as QEMU's polling
            // does (a request that comes within it costs the guest no kick); hiprio carries only FORGETs.
            QueueDrain drain = new QueueDrain(q, name, MAX_BATCH, i == 0 ? 0 : POLL_NANOS);
            Runnable notify = () -> c.notifyIfNeeded(index);
            workers.add(DeviceWorker.start(
                    thread,
                    c,
                    c.event(i),
                    self -> drain.drain(self::running, notify, batch -> serve(q, batch, notify))));
        }
    }

    /** Serves a batch of up to {@link #MAX_BATCH} requests, then decides on an interrupt: one per batch. */
    private void serve(Virtqueue q, List<DescriptorChain> batch, Runnable notifyIfNeeded) {
        for (DescriptorChain chain : batch) q.addUsed(chain.head(), serve(chain));
        requests.add(batch.size());
        notifyIfNeeded.run();
    }

    /** Hands one chain to the handler; returns the used length, within the writable part. */
    private int serve(DescriptorChain chain) {
        GuestBuffers in = chain.readable(), out = chain.writable();
        try {
            int used = handler.handle(in.segments(), out.segments());
            if (used >= 0 && used <= out.length()) return used;
            LOG.log(
                    Level.WARNING,
                    "{0}: handler reported {1} bytes written into a {2}-byte reply",
                    name(),
                    used,
                    out.length());
            return 0;
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "{0}: request failed, answered EIO: {1}", name(), e.toString());
            return errorReply(in, out);
        }
    }

    /** fuse_out_header {len 16, error -EIO, unique of the request}, when both headers fit. */
    private static int errorReply(GuestBuffers in, GuestBuffers out) {
        if (in.length() < OUT_HEADER || out.length() < OUT_HEADER) return 0;
        byte[] unique = in.readBytes(8, 8);
        MemorySegment h = MemorySegment.ofArray(new byte[OUT_HEADER]);
        h.set(U32, 0, OUT_HEADER);
        h.set(U32, 4, -EIO);
        MemorySegment.copy(unique, 0, h, ValueLayout.JAVA_BYTE, 8, 8);
        out.write(0, h);
        return OUT_HEADER;
    }

    @Override
    public synchronized void reset() {
        pause();
        context = null;
    }

    @Override
    public synchronized void close() {
        reset();
        try {
            handler.close();
        } catch (Exception e) {
            System.getLogger(FsDevice.class.getName())
                    .log(Level.WARNING, "{0}: closing the file server: {1}", name(), e.toString());
        }
    }
}
