package io.jvmm.virtio;

import io.jvmm.memory.GuestMemory;
import io.jvmm.virtio.queue.Virtqueue;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What an activated device works with: guest memory, the negotiated features, its configured queues
 * with their notification events, the interrupt, and a way to give up.
 *
 * @param memory    guest RAM; every access is bounds-checked
 * @param features  the features the driver accepted (a subset of the device's)
 * @param queues    one per queue index, in order
 * @param events    the "buffers available" event of each queue, same order
 * @param interrupt raises the device's interrupt
 * @param failure   puts the device into NEEDS_RESET with the reason (a guest fault or a broken backend)
 */
public record DeviceContext(
        GuestMemory memory,
        long features,
        List<Virtqueue> queues,
        List<QueueEvent> events,
        VirtioInterrupt interrupt,
        Consumer<String> failure) {
    public DeviceContext {
        Objects.requireNonNull(memory, "memory");
        queues = List.copyOf(queues);
        events = List.copyOf(events);
        if (queues.size() != events.size()) throw new IllegalArgumentException("one event per queue");
        Objects.requireNonNull(interrupt, "interrupt");
        Objects.requireNonNull(failure, "failure");
    }

    public Virtqueue queue(int index) {
        return queues.get(index);
    }

    public QueueEvent event(int index) {
        return events.get(index);
    }

    /** True when the driver accepted feature number {@code feature}. */
    public boolean has(int feature) {
        return VirtioFeatures.has(features, feature);
    }

    /** Marks the device as needing a reset (status DEVICE_NEEDS_RESET plus a config interrupt). */
    public void fail(String why) {
        failure.accept(why);
    }

    /**
     * Signals the driver if queue {@code index} asked to be told about new used buffers (the
     * EVENT_IDX or NO_INTERRUPT suppression decides).
     */
    public void notifyIfNeeded(int index) {
        if (queues.get(index).needsNotification()) interrupt.signalUsedBuffer(index);
    }
}
