package io.jvmm.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;

/**
 * A process's input as STDIN frames, for an exec or an attach: each write is split into frames of at most
 * {@link AgentProtocol#DATA_CHUNK} bytes, and close() sends the empty frame that is end of input.
 */
final class StdinStream extends OutputStream {
    /** Sends one frame on the connection, serialised with the connection's other writers. */
    @FunctionalInterface
    interface Sender {
        void send(int type, byte[] b, int off, int len) throws IOException;
    }

    private final Sender sender;
    /** Why writes are refused (a process started without stdin), or null. */
    private final String refusal;

    private volatile boolean closed;

    StdinStream(Sender sender, String refusal) {
        this.sender = sender;
        this.refusal = refusal;
    }

    /**
     * Copies {@code in} here on a daemon platform thread named {@code threadName}, then ends the input; it
     * stops quietly once the process no longer reads or the connection has gone.
     */
    Thread feedFrom(InputStream in, String threadName) {
        return Thread.ofPlatform().daemon().name(threadName).start(() -> {
            byte[] buf = new byte[8192];
            try (OutputStream self = this) {
                int n;
                while ((n = in.read(buf)) >= 0) self.write(buf, 0, n);
            } catch (IOException ignored) {
                // the process ended, or the connection went
            }
        });
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (refusal != null) throw new IOException(refusal);
        if (closed) throw new IOException("stdin is closed");
        while (len > 0) {
            int n = Math.min(len, AgentProtocol.DATA_CHUNK);
            sender.send(AgentProtocol.STDIN, b, off, n);
            off += n;
            len -= n;
        }
    }

    @Override
    public void close() throws IOException {
        if (refusal != null || closed) return;
        closed = true;
        sender.send(AgentProtocol.STDIN, new byte[0], 0, 0);
    }
}
