package io.jvmm.virtio.vsock;

import java.io.Closeable;
import java.time.Duration;
import java.util.Optional;

/** Accepts the connections the guest makes to one host port. */
public interface VsockListener extends Closeable {
    int port();

    /** Waits for the next connection; throws InterruptedException, or IllegalStateException once closed. */
    VsockStream accept() throws InterruptedException;

    /** Waits at most {@code timeout}; empty when none came. */
    Optional<VsockStream> accept(Duration timeout) throws InterruptedException;

    /** Stops accepting: later guest connections to the port are reset, and ones not yet accepted are closed. */
    @Override
    void close();
}
