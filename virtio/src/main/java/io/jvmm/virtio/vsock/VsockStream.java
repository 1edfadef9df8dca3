package io.jvmm.virtio.vsock;

import java.io.Closeable;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One established vsock stream between the host (this JVM) and the guest. Reads block until the
 * guest sends data, shuts down its sending side (end of stream: -1) or resets the connection
 * ({@link java.io.IOException}). Writes block while the guest's receive buffer is full (credit-based
 * flow control) or the device's buffer budget has no room for this stream's send buffer, and fail
 * once the guest stopped receiving or reset the connection.
 */
public interface VsockStream extends Closeable {
    InputStream input();

    OutputStream output();

    /** The host side's port. */
    int hostPort();

    /** The guest side's port. */
    int guestPort();

    /** No more data to the guest: it reads end of stream once what was written has arrived. */
    void shutdownOutput();

    /** Shuts down both directions; the connection ends when the guest acknowledges (or is reset after a timeout). */
    @Override
    void close();
}
