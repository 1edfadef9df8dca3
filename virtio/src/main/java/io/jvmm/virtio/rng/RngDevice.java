package io.jvmm.virtio.rng;

import io.jvmm.virtio.DeviceContext;
import io.jvmm.virtio.DeviceWorker;
import io.jvmm.virtio.VirtioDevice;
import io.jvmm.virtio.VirtioFeatures;
import io.jvmm.virtio.VirtioIds;
import io.jvmm.virtio.queue.DescriptorChain;
import io.jvmm.virtio.queue.GuestBuffers;
import io.jvmm.virtio.queue.QueueDrain;
import io.jvmm.virtio.queue.Virtqueue;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * virtio-rng (virtio 1.2 section 5.4): one queue of device-writable buffers that the device fills
 * with entropy. Without it a guest kernel may stall at boot waiting for its CRNG to be seeded.
 */
public final class RngDevice implements VirtioDevice {
    /** Cap per request, so one huge buffer cannot keep the device busy (Linux asks for 64 bytes at a time). */
    static final int MAX_BYTES_PER_REQUEST = 64 * 1024;
    /** Requests taken from the ring at a time; the interrupt comes once the ring is empty. */
    static final int BATCH = 16;

    private final EntropySource source;
    private final LongAdder requests = new LongAdder();
    private DeviceWorker worker;
    private DeviceContext context;

    public RngDevice(EntropySource source) {
        this.source = source;
    }

    @Override
    public int deviceType() {
        return VirtioIds.VIRTIO_ID_RNG;
    }

    @Override
    public String name() {
        return "rng";
    }

    @Override
    public int queueCount() {
        return 1;
    }

    @Override
    public int configSize() {
        return 0;
    }

    @Override
    public void readConfig(int offset, MemorySegment data) {
        data.fill((byte) 0);
    }

    @Override
    public long deviceFeatures() {
        return VirtioFeatures.TRANSPORT;
    }

    /** Requests served since the device was created. */
    public long requestCount() {
        return requests.sum();
    }

    @Override
    public synchronized void activate(DeviceContext context) {
        reset();
        this.context = context;
        resume();
    }

    @Override
    public synchronized void pause() {
        if (worker != null) worker.stop();
        worker = null;
    }

    @Override
    public synchronized void resume() {
        DeviceContext c = context;
        if (c != null && worker == null) {
            Virtqueue q = c.queue(0);
            QueueDrain drain = new QueueDrain(q, name(), BATCH, 0);
            worker = DeviceWorker.start(
                    "virtio-rng",
                    c,
                    c.event(0),
                    self -> drain.drain(self::running, () -> c.notifyIfNeeded(0), batch -> serve(q, batch)));
        }
    }

    private void serve(Virtqueue q, List<DescriptorChain> batch) throws IOException {
        for (DescriptorChain chain : batch) {
            q.addUsed(chain.head(), fill(chain.writable()));
            requests.increment();
        }
    }

    private int fill(GuestBuffers out) throws IOException {
        long n = Math.min(out.length(), MAX_BYTES_PER_REQUEST);
        for (MemorySegment s : out.slices(0, n)) source.fill(s);
        return (int) n;
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
            source.close();
        } catch (Exception e) {
            System.getLogger(RngDevice.class.getName())
                    .log(System.Logger.Level.WARNING, "rng: closing the entropy source: {0}", e.toString());
        }
    }
}
