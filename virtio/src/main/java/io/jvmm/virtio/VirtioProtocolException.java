package io.jvmm.virtio;

/**
 * The driver broke the virtio protocol: a malformed descriptor chain, a ring address outside guest
 * RAM, an impossible index. A guest fault, never a VMM bug: the request fails or the device goes to
 * NEEDS_RESET, and the VMM carries on.
 */
public class VirtioProtocolException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public VirtioProtocolException(String message) {
        super(message);
    }

    public VirtioProtocolException(String message, Throwable cause) {
        super(message, cause);
    }
}
