package io.jvmm.virtio;

/**
 * How a device tells the driver something happened; the transport implements it (virtio-mmio sets a
 * bit in InterruptStatus and raises the device's interrupt line). Safe from any thread.
 */
public interface VirtioInterrupt {
    /** Used buffers were added to queue {@code queue} and the driver wants to hear about it. */
    void signalUsedBuffer(int queue);

    /** The configuration space changed (or the device needs a reset). */
    void signalConfigChange();
}
