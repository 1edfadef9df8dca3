package io.jvmm.virtio.queue;

import io.jvmm.virtio.VirtioProtocolException;

/**
 * A descriptor chain the device must refuse (a loop, an index or buffer out of range, a bad indirect
 * table). The chain has been consumed from the available ring; the device returns {@link #head()}
 * to the used ring with length 0 so the driver gets its descriptors back, and carries on.
 */
public final class InvalidChainException extends VirtioProtocolException {
    private static final long serialVersionUID = 1L;

    private final int head;

    public InvalidChainException(int head, String message) {
        super("descriptor chain " + head + ": " + message);
        this.head = head;
    }

    public int head() {
        return head;
    }
}
