package io.jvmm.virtio;

import java.lang.foreign.MemorySegment;

/**
 * A virtio device model, driven by a transport (virtio 1.2 section 2; Firecracker's
 * {@code devices/virtio/device.rs}). The transport owns the register file, feature negotiation and
 * the queue configuration; the device owns what the queues carry.
 *
 * <p>Threads: {@link #readConfig}, {@link #writeConfig}, {@link #activate} and {@link #reset} are
 * called by the transport on a vCPU thread, one at a time (the transport serializes them). Request
 * processing happens on the device's own platform threads, started by {@code activate} and stopped
 * by {@code reset} and {@link #close}, so a slow backend never holds a vCPU.
 */
public interface VirtioDevice extends AutoCloseable {
    /** The virtio device ID ({@link VirtioIds}). */
    int deviceType();

    /** A short name for logs and thread names, e.g. {@code blk-vda}. */
    String name();

    /** Every feature bit the device offers, transport bits included (VERSION_1, EVENT_IDX, ...). */
    long deviceFeatures();

    /** How many virtqueues the device has. */
    int queueCount();

    /** QueueNumMax for queue {@code index}: a power of two, at most 32768. */
    default int maxQueueSize(int index) {
        return 256;
    }

    /** Bytes of device-specific configuration space. */
    int configSize();

    /**
     * Reads {@code data.byteSize()} bytes of configuration space at {@code offset}; the transport
     * has checked that the range lies inside {@link #configSize()}.
     */
    void readConfig(int offset, MemorySegment data);

    /** Driver writes to configuration space; most devices have nothing writable and ignore them. */
    default void writeConfig(int offset, MemorySegment data) {}

    /**
     * The driver set DRIVER_OK: every queue is configured and checked. The device starts serving its
     * queues. A failure thrown here puts the device in NEEDS_RESET.
     */
    void activate(DeviceContext context);

    /**
     * The VM pauses (for a snapshot): stop the device threads, letting every request already taken
     * from a queue complete, and keep all state; no device thread touches guest memory until
     * {@link #resume()}. Host-side I/O (a socket, a TAP) may go on, but nothing reaches the guest.
     */
    void pause();

    /** Restarts what {@link #pause()} stopped; a no-op for a device that is not active. */
    void resume();

    /**
     * The driver reset the device (or the VM stops): stop serving the queues and return only when no
     * request is in flight and no device thread touches guest memory any more. Idempotent.
     */
    void reset();

    /** Releases the backend (files, sockets, child processes). Implies {@link #reset()}. */
    @Override
    void close();
}
