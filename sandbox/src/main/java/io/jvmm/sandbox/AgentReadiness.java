package io.jvmm.sandbox;

import io.jvmm.agent.AgentChannel;
import io.jvmm.agent.Hello;
import io.jvmm.virtio.vsock.VsockListener;
import io.jvmm.virtio.vsock.VsockStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Follows the agent's readiness connection: the agent connects to the host's READY_PORT and sends
 * HELLO as soon as the guest is set up, and the connection stays open while the agent lives. After
 * a snapshot restore the guest's vsock transport is reset and the agent connects again, so this
 * keeps accepting.
 */
final class AgentReadiness implements AutoCloseable {
    private static final Logger LOG = System.getLogger(AgentReadiness.class.getName());

    private final VsockListener listener;
    private final Thread thread;
    private Hello hello;
    private boolean connected;
    private boolean closed;

    AgentReadiness(VsockListener listener, String vmName) {
        this.listener = listener;
        this.thread = Thread.ofPlatform().daemon().name("agent-ready-" + vmName).start(this::run);
    }

    private void run() {
        while (true) {
            VsockStream s;
            try {
                s = listener.accept();
            } catch (InterruptedException | IllegalStateException e) {
                return; // closed
            }
            try (AgentChannel ch = new VsockAgentChannel(s)) {
                Hello h = Hello.read(ch);
                synchronized (this) {
                    hello = h;
                    connected = true;
                    notifyAll();
                }
                // Nothing more is sent on this connection: its end is the agent's end.
                InputStream in = ch.input();
                byte[] sink = new byte[256];
                while (in.read(sink) >= 0) {
                    /* ignore */
                }
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "agent readiness connection ended: {0}", e.getMessage());
            } finally {
                synchronized (this) {
                    connected = false;
                    notifyAll();
                }
            }
        }
    }

    /**
     * Waits until the agent has said HELLO on a connection that is still open, the guest is gone
     * ({@code stillRunning} false), or the timeout passes.
     */
    synchronized Optional<Hello> await(Duration timeout, BooleanSupplier stillRunning) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!(connected && hello != null) && !closed) {
            long left = end - System.nanoTime();
            if (left <= 0 || !stillRunning.getAsBoolean()) return Optional.empty();
            wait(Math.max(1, Math.min(left / 1_000_000, 50)));
        }
        return connected ? Optional.of(hello) : Optional.empty();
    }

    synchronized boolean isConnected() {
        return connected;
    }

    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            notifyAll();
        }
        listener.close();
        thread.interrupt();
    }
}
