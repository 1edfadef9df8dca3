package io.jvmm.virtio.vsock;

/**
 * Decides about a connection the guest opens to a host port nobody listens on in-process: the hybrid
 * Unix-socket backend forwards it to {@code <socket>_<port>}.
 */
@FunctionalInterface
public interface GuestConnectionHandler {
    /**
     * Returns true to accept: {@code stream} then belongs to the handler (called on the device's
     * thread, so it must not block: hand the stream to another thread). False resets the connection.
     */
    boolean offer(int hostPort, VsockStream stream);
}
