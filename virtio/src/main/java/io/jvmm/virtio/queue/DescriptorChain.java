package io.jvmm.virtio.queue;

import java.util.AbstractList;
import java.util.List;
import java.util.Objects;

/**
 * A descriptor chain popped from the available ring: its head index (what goes back in the used
 * ring) and its buffers, device-readable ones first as the spec requires (2.7.4.2). Every buffer lies
 * inside guest RAM.
 */
public final class DescriptorChain {
    private final int head;
    /** Per descriptor, its guest address, then its length shifted left by one with the write flag below. */
    private final long[] descriptors;

    private final GuestBuffers readable;
    private final GuestBuffers writable;

    DescriptorChain(int head, long[] descriptors, GuestBuffers readable, GuestBuffers writable) {
        this.head = head;
        this.descriptors = descriptors;
        this.readable = readable;
        this.writable = writable;
    }

    /** The head descriptor's index: the id the device returns in the used ring. */
    public int head() {
        return head;
    }

    /** Every descriptor, in chain order, with indirect tables flattened. */
    public List<Descriptor> descriptors() {
        // Built on demand: devices work with the buffers; the descriptors are for checks and logs.
        return new AbstractList<>() {
            @Override
            public Descriptor get(int i) {
                long packed = descriptors[2 * Objects.checkIndex(i, size()) + 1];
                return new Descriptor(descriptors[2 * i], (int) (packed >>> 1), (packed & 1) != 0);
            }

            @Override
            public int size() {
                return descriptors.length / 2;
            }
        };
    }

    /** The device-readable part (driver to device) as one byte stream. */
    public GuestBuffers readable() {
        return readable;
    }

    /** The device-writable part (device to driver) as one byte stream. */
    public GuestBuffers writable() {
        return writable;
    }

    @Override
    public String toString() {
        return "chain " + head + " " + descriptors();
    }
}
