package io.jvmm.virtio;

/**
 * The driver's "buffers available" notification for one queue, as a waitable event. On KVM it is an
 * eventfd that the kernel signals through an ioeventfd on the QueueNotify register, so a
 * notification wakes the device thread without an exit to the VMM; without ioeventfd the transport
 * {@link #signal() signals} it itself. Like an eventfd, signals coalesce: one {@link #await()} consumes
 * all signals that arrived since the last one.
 */
public interface QueueEvent extends AutoCloseable {
    /** Blocks until the event was signalled at least once since the previous await. */
    void await() throws InterruptedException;

    /** Wakes a thread in (or about to enter) {@link #await()}. Safe from any thread. */
    void signal();

    @Override
    void close();
}
