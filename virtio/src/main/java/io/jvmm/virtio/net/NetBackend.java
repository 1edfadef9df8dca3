package io.jvmm.virtio.net;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Where a virtio-net device's Ethernet frames go and come from: passt's socket or a TAP device.
 * Frames are plain Ethernet (no virtio-net header: neither backend is told about offloads, so the
 * device offers none).
 */
public interface NetBackend extends AutoCloseable {
    /** Sends one frame (blocking while the backend is busy). */
    void send(MemorySegment frame) throws IOException;

    /**
     * Starts delivering received frames to {@code sink} from the backend's own thread. Each segment
     * is one frame and valid only during the call (the backend reuses its buffer), so a frame is
     * copied once, straight into guest memory. The sink blocks while the guest has no receive
     * buffer: the backend then reads nothing more, and its own queue (passt's, the TAP device's)
     * holds or drops what arrives.
     */
    void start(FrameSink sink);

    /** Where a backend's reader puts received frames. */
    interface FrameSink {
        /** One frame, valid only during the call. */
        void accept(MemorySegment frame);

        /**
         * The frames of one read are delivered: the backend will block for more next. The device
         * interrupts the guest here, once per read rather than once per frame (each interrupt is
         * a system call, and an exit for the guest).
         */
        void endOfBatch();
    }

    /** A short description for logs, e.g. {@code passt (pid 1234)} or {@code tap0}. */
    String describe();

    @Override
    void close();
}
