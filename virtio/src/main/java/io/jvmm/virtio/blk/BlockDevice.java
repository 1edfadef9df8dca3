package io.jvmm.virtio.blk;

import static io.jvmm.virtio.blk.BlockConstants.*;

import io.jvmm.virtio.DeviceContext;
import io.jvmm.virtio.DeviceWorker;
import io.jvmm.virtio.RateLimitedLog;
import io.jvmm.virtio.VirtioDevice;
import io.jvmm.virtio.VirtioFeatures;
import io.jvmm.virtio.VirtioIds;
import io.jvmm.virtio.queue.DescriptorChain;
import io.jvmm.virtio.queue.QueueDrain;
import io.jvmm.virtio.queue.Virtqueue;
import io.jvmm.virtio.ratelimit.RateLimit;
import io.jvmm.virtio.ratelimit.RateLimiter;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * virtio-blk (virtio 1.2 section 5.2) over a raw image: IN, OUT, FLUSH, GET_ID, DISCARD and
 * WRITE_ZEROES, read-only or read-write. Requests are served on the device's own thread
 * ({@code virtio-blk-<id>}), in order, off the vCPU threads.
 */
public final class BlockDevice implements VirtioDevice {
    private static final RateLimitedLog LOG = RateLimitedLog.of(BlockDevice.class);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static final int QUEUE_SIZE = 256;
    /** Requests taken from the ring before they are served (and merged). */
    static final int MAX_BATCH = 64;
    /** Buffers of one merged transfer: what one preadv/pwritev takes (IOV_MAX). */
    static final int MAX_MERGED_SEGMENTS = 1024;
    /** How long the device thread polls for the next request before it sleeps (QEMU polls up to 32 µs). */
    static final long POLL_NANOS = Long.getLong("jvmm.blk.pollNanos", 20_000);
    /** Up to 2 GiB per discard or write-zeroes segment, 32 segments per request. */
    static final int MAX_DISCARD_SECTORS = 0x3f_ffff;

    static final int MAX_DISCARD_SEGMENTS = 32;
    /** Discard in 4 KiB units: what a host file system can punch. */
    static final int DISCARD_ALIGNMENT_SECTORS = 8;
    /** virtio_blk_config up to and including write_zeroes_may_unmap and its padding. */
    static final int CONFIG_SIZE = 60;

    private final String id;
    /** {@link #name()}, built once: it is passed on every pop, for the log line of a refused chain. */
    private final String name;

    private final BlockBackend backend;
    private final BlockRequest.Limits limits;
    private final byte[] config;
    private final long features;
    private final LongAdder requests = new LongAdder();
    private final RateLimiter rateLimiter;
    private DeviceWorker worker;
    private DeviceContext context;

    /**
     * @param id      the drive's id: GET_ID answers with it (at most 20 bytes) and the device thread
     *                is named after it
     * @param backend the image; the device closes it
     */
    public BlockDevice(String id, BlockBackend backend) {
        this(id, backend, RateLimit.UNLIMITED);
    }

    /** As above, with bytes and requests limited by {@code limit} (changeable later through {@link #rateLimiter()}). */
    public BlockDevice(String id, BlockBackend backend, RateLimit limit) {
        this.id = id;
        this.rateLimiter = RateLimiter.of(limit);
        this.name = "blk-" + id;
        this.backend = backend;
        long capacity = backend.size() >>> SECTOR_SHIFT;
        boolean ro = backend.readOnly();
        boolean discard = !ro && backend.supportsDiscard();
        this.limits = new BlockRequest.Limits(
                capacity,
                ro,
                MAX_DISCARD_SECTORS,
                MAX_DISCARD_SEGMENTS,
                MAX_DISCARD_SECTORS,
                MAX_DISCARD_SEGMENTS,
                id.getBytes(StandardCharsets.UTF_8));
        long f = VirtioFeatures.TRANSPORT
                | VirtioFeatures.bit(VIRTIO_BLK_F_SEG_MAX)
                | VirtioFeatures.bit(VIRTIO_BLK_F_BLK_SIZE)
                | VirtioFeatures.bit(VIRTIO_BLK_F_FLUSH);
        if (ro) f |= VirtioFeatures.bit(VIRTIO_BLK_F_RO);
        if (discard) f |= VirtioFeatures.bit(VIRTIO_BLK_F_DISCARD) | VirtioFeatures.bit(VIRTIO_BLK_F_WRITE_ZEROES);
        this.features = f;
        this.config = config(capacity);
    }

    private static byte[] config(long capacity) {
        MemorySegment c = MemorySegment.ofArray(new byte[CONFIG_SIZE]);
        c.set(U64, 0, capacity);
        c.set(U32, 12, QUEUE_SIZE - 2); // seg_max: a request's header and status take two
        c.set(U32, 20, SECTOR_SIZE); // blk_size
        c.set(U16, 34, (short) 1); // num_queues (meaningful with MQ only)
        c.set(U32, 36, MAX_DISCARD_SECTORS);
        c.set(U32, 40, MAX_DISCARD_SEGMENTS);
        c.set(U32, 44, DISCARD_ALIGNMENT_SECTORS);
        c.set(U32, 48, MAX_DISCARD_SECTORS); // max_write_zeroes_sectors
        c.set(U32, 52, MAX_DISCARD_SEGMENTS); // max_write_zeroes_seg
        c.set(ValueLayout.JAVA_BYTE, 56, (byte) 1); // write_zeroes_may_unmap
        return c.toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    public int deviceType() {
        return VirtioIds.VIRTIO_ID_BLOCK;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long deviceFeatures() {
        return features;
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int maxQueueSize(int index) {
        return QUEUE_SIZE;
    }

    @Override
    public int configSize() {
        return CONFIG_SIZE;
    }

    /** Capacity in 512-byte sectors, as the guest sees it. */
    public long capacitySectors() {
        return limits.capacitySectors();
    }

    /** The drive's live rate limit: {@code rateLimiter().update(...)} changes it while the guest runs. */
    public RateLimiter rateLimiter() {
        return rateLimiter;
    }

    /** Requests completed since the device was created. */
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
        startWorker();
    }

    private void startWorker() {
        DeviceContext c = context;
        Virtqueue q = c.queue(0);
        QueueDrain drain = new QueueDrain(q, name, MAX_BATCH, 0);
        worker = DeviceWorker.start(
                "virtio-blk-" + id,
                c,
                c.event(0),
                self -> drain.drain(self::running, () -> c.notifyIfNeeded(0), batch -> serveBatch(c, q, batch, self)),
                POLL_NANOS,
                q::hasAvailable);
    }

    @Override
    public synchronized void pause() {
        if (worker != null) worker.stop();
        worker = null;
    }

    @Override
    public synchronized void resume() {
        if (context != null && worker == null) startWorker();
    }

    /**
     * Serves requests in order, merging runs of reads (or writes) of adjacent sectors into one
     * backend call, as QEMU's virtio-blk does: with an image that cannot be mapped that is one
     * preadv/pwritev where there were 32 at queue depth 32 (with a mapped image, serving them one by
     * one measured the same). A merged transfer that fails is retried request by request, so each
     * gets its own status.
     */
    private void serveBatch(DeviceContext context, Virtqueue q, List<DescriptorChain> batch, DeviceWorker self) {
        int n = batch.size();
        // Each request's header is read once; the merging below only compares the results.
        BlockRequest[] requests = new BlockRequest[n];
        BlockRequest.Transfer[] transfers = new BlockRequest.Transfer[n];
        long bytes = 0;
        for (int k = 0; k < n; k++) {
            requests[k] = BlockRequest.parse(batch.get(k));
            transfers[k] = requests[k] == null ? null : requests[k].transfer(limits);
            if (transfers[k] != null) bytes += transfers[k].length();
        }
        // Held back while over the limit; a device that is stopping serves what it took anyway.
        rateLimiter.acquire(bytes, n, self::running, () -> context.notifyIfNeeded(0));
        int i = 0;
        while (i < n) {
            BlockRequest.Transfer t = transfers[i];
            int j = i + 1;
            if (t != null) {
                long end = t.offset() + t.length();
                int segments = t.buffers().size();
                for (; j < n; j++) {
                    BlockRequest.Transfer u = transfers[j];
                    if (u == null
                            || u.write() != t.write()
                            || u.offset() != end
                            || segments + u.buffers().size() > MAX_MERGED_SEGMENTS) break;
                    end += u.length();
                    segments += u.buffers().size();
                }
            }
            if (j - i == 1) {
                complete(q, batch.get(i), serve(batch.get(i), requests[i]));
            } else {
                List<MemorySegment> buffers = new ArrayList<>();
                for (int k = i; k < j; k++) buffers.addAll(transfers[k].buffers());
                if (transferAll(t.offset(), buffers, t.write())) {
                    for (int k = i; k < j; k++) {
                        BlockRequest r = requests[k];
                        r.chain().writable().writeByte(r.statusOffset(), VIRTIO_BLK_S_OK);
                        complete(
                                q,
                                r.chain(),
                                t.write() ? 1 : (int) r.chain().writable().length());
                    }
                } else {
                    for (int k = i; k < j; k++) complete(q, batch.get(k), serve(batch.get(k), requests[k]));
                }
            }
            i = j;
        }
    }

    private boolean transferAll(long offset, List<MemorySegment> buffers, boolean write) {
        try {
            if (write) backend.write(offset, buffers);
            else backend.read(offset, buffers);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void complete(Virtqueue q, DescriptorChain chain, int written) {
        q.addUsed(chain.head(), written);
        requests.increment();
    }

    /** Runs one request ({@code request}: {@code chain} parsed) and writes its status; returns the used length. */
    private int serve(DescriptorChain chain, BlockRequest request) {
        if (request == null) {
            LOG.log(Level.WARNING, "{0}: request {1} has no writable status byte", name(), chain.head());
            return 0;
        }
        BlockRequest.Outcome outcome = request.execute(
                backend,
                limits,
                (r, e) -> LOG.log(
                        Level.WARNING,
                        "{0}: I/O error on request type {1} at sector {2}: {3}",
                        name(),
                        r.type(),
                        r.sector(),
                        e.toString()));
        if (outcome.status() != VIRTIO_BLK_S_OK) {
            LOG.log(
                    Level.DEBUG,
                    "{0}: request type {1} sector {2} failed with status {3}",
                    name(),
                    request.type(),
                    request.sector(),
                    outcome.status());
        }
        chain.writable().writeByte(request.statusOffset(), outcome.status());
        return (int) outcome.written();
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
            backend.close();
        } catch (Exception e) {
            System.getLogger(BlockDevice.class.getName())
                    .log(Level.WARNING, "{0}: closing the image: {1}", name(), e.toString());
        }
    }
}
