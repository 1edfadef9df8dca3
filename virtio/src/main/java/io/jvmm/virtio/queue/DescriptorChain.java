package io.jvmm.virtio.queue;

import java.util.List;

/**
 * A descriptor chain popped from the available ring: its head index (what goes back in the used
 * ring) and its buffers, device-readable ones first as the spec requires (2.7.4.2). Every buffer lies
 * inside guest RAM.
 */
public final class DescriptorChain {
    private final int head;
    private final List<Descriptor> descriptors;
    private final GuestBuffers readable;
    private final GuestBuffers writable;

    DescriptorChain(int head, List<Descriptor> descriptors, GuestBuffers readable, GuestBuffers writable) {
        this.head = head;
        this.descriptors = descriptors;
        this.readable = readable;
        this.writable = writable;
    }

    /** The head descriptor's index: the id the device returns in the used ring. */
    public int head() { return head; }

    /** Every descriptor, in chain order, with indirect tables flattened. */
    public List<Descriptor> descriptors() { return descriptors; }

    /** The device-readable part (driver to device) as one byte stream. */
    public GuestBuffers readable() { return readable; }

    /** The device-writable part (device to driver) as one byte stream. */
    public GuestBuffers writable() { return writable; }

    @Override
    public String toString() { return "chain " + head + " " + descriptors; }
}
