package io.jvmm.virtio.vsock;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A host port the guest may connect to: the muxer hands it the connections it accepts there, and
 * host threads take them with {@link #accept}. {@code maxConnections} bounds the live ones; the
 * muxer counts them and resets requests past the bound.
 */
final class PortListener implements VsockListener {
    private final VsockMuxer muxer;
    private final int port;
    private final int maxConnections;
    private final LinkedBlockingQueue<VsockStream> accepted = new LinkedBlockingQueue<>();
    private volatile boolean closed;

    PortListener(VsockMuxer muxer, int port, int maxConnections) {
        this.muxer = muxer;
        this.port = port;
        this.maxConnections = maxConnections;
    }

    @Override
    public int port() {
        return port;
    }

    int maxConnections() {
        return maxConnections;
    }

    boolean closed() {
        return closed;
    }

    /** Queues a connection the guest opened, for {@link #accept}; false if it cannot be taken. */
    boolean offer(VsockConnection c) {
        return accepted.offer(c);
    }

    @Override
    public VsockStream accept() throws InterruptedException {
        while (true) {
            if (closed) throw new IllegalStateException("vsock listener on port " + port + " is closed");
            VsockStream s = accepted.poll(200, TimeUnit.MILLISECONDS);
            if (s != null) return s;
        }
    }

    @Override
    public Optional<VsockStream> accept(Duration timeout) throws InterruptedException {
        if (closed) throw new IllegalStateException("vsock listener on port " + port + " is closed");
        return Optional.ofNullable(accepted.poll(timeout.toNanos(), TimeUnit.NANOSECONDS));
    }

    @Override
    public void close() {
        muxer.unlisten(this);
    }

    /** Takes no more connections (the muxer's lock is held, and it forgets the port). */
    void stopAccepting() {
        closed = true;
    }

    /** Closes the connections nobody accepted, or their buffers would stay charged. Caller holds the lock. */
    void closeUnaccepted() {
        for (VsockStream s; (s = accepted.poll()) != null; ) s.close();
    }
}
