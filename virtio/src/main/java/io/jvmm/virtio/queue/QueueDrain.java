package io.jvmm.virtio.queue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * One device thread's round over one virtqueue: with the driver's notifications off, pops the valid
 * chains in batches and hands each batch to the device, which returns every chain through
 * {@link Virtqueue#addUsed}; once the queue ran dry, asks for an interrupt, turns notifications back on
 * and goes again if buffers arrived meanwhile (otherwise a kick could be missed). Optionally it first
 * spins a while for more requests with notifications still off, so one that comes soon costs the
 * guest no kick.
 *
 * <p>Not thread-safe: one device thread drains a queue.
 */
public final class QueueDrain {
    /** What the device does with a batch of chains. */
    @FunctionalInterface
    public interface BatchServer {
        /**
         * Serves {@code batch} (ring order, never empty) and returns each of its chains to the driver
         * through {@link Virtqueue#addUsed}. The list is reused once this returns.
         */
        void serve(List<DescriptorChain> batch) throws IOException;
    }

    private final Virtqueue queue;
    private final String device;
    private final int maxBatch;
    private final long pollNanos;
    private final List<DescriptorChain> batch;

    /**
     * @param device    the device's name, for the log line of a refused chain ({@link Virtqueue#popValid})
     * @param maxBatch  chains popped before they are served
     * @param pollNanos how long to spin for more requests after the queue ran dry; 0 never spins
     */
    public QueueDrain(Virtqueue queue, String device, int maxBatch, long pollNanos) {
        if (maxBatch < 1) throw new IllegalArgumentException("a batch takes at least one chain: " + maxBatch);
        this.queue = queue;
        this.device = device;
        this.maxBatch = maxBatch;
        this.pollNanos = pollNanos;
        this.batch = new ArrayList<>(maxBatch);
    }

    /**
     * Drains the queue until it stays empty or {@code running} turns false (chains already popped are
     * served first). {@code notifyIfNeeded} is called each time the queue ran dry; a server that wants
     * interrupts more often calls it itself.
     */
    public void drain(BooleanSupplier running, Runnable notifyIfNeeded, BatchServer server) throws IOException {
        do {
            queue.disableNotification();
            do {
                while (running.getAsBoolean()) {
                    DescriptorChain chain;
                    while (batch.size() < maxBatch
                            && running.getAsBoolean()
                            && (chain = queue.popValid(device)) != null) batch.add(chain);
                    if (batch.isEmpty()) break;
                    try {
                        server.serve(batch);
                    } finally {
                        batch.clear();
                    }
                }
                notifyIfNeeded.run();
            } while (poll(running));
        } while (running.getAsBoolean() && queue.enableNotification());
    }

    /** Spins up to {@link #pollNanos} for the driver's next request; true if one came. */
    private boolean poll(BooleanSupplier running) {
        if (pollNanos <= 0) return false;
        long end = System.nanoTime() + pollNanos;
        // Not while stopping: a stopped round pops nothing, so a request seen here would spin it forever.
        while (running.getAsBoolean() && System.nanoTime() - end < 0) {
            if (queue.hasAvailable()) return true;
            Thread.onSpinWait();
        }
        return false;
    }
}
