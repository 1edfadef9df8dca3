package io.jvmm.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The host attached to a container's init (CONTAINER_ATTACH): what it writes reaches the init's terminal,
 * or its stdin pipe for a container created with stdin, and it sets the terminal's size. The output is
 * not here but in the container's log ({@link AgentClient#containerLogs}). One attach per container at a
 * time; {@link #close()} detaches without ending the init's input.
 */
public final class ContainerAttach implements AutoCloseable {
    private final AgentChannel ch;
    private final String id;
    private final Object writeLock = new Object();
    private final StdinStream input;

    ContainerAttach(AgentChannel ch, String id) {
        this.ch = ch;
        this.id = id;
        this.input = new StdinStream(this::send, null);
    }

    /**
     * The init's input: each write becomes STDIN frames of at most 64 KiB, close() sends end of input (a
     * terminal's VEOF character, or the stdin pipe closed). Writes wait while the init does not read.
     */
    public OutputStream input() {
        return input;
    }

    /** Copies {@code in} to the init's input on a daemon platform thread, then ends the input. */
    public Thread feed(InputStream in, String threadName) {
        return input.feedFrom(in, threadName);
    }

    /** Sets the init's terminal size (the kernel signals SIGWINCH there); ignored without a terminal. */
    public void resize(int rows, int cols) throws IOException {
        if (rows < 0 || rows > 0xffff || cols < 0 || cols > 0xffff)
            throw new IllegalArgumentException("terminal size out of range: " + rows + "x" + cols);
        byte[] p = new Payload.Writer().u16(rows).u16(cols).toByteArray();
        send(AgentProtocol.RESIZE, p, 0, p.length);
    }

    /**
     * Waits until the agent ends the attach: the container has exited, or the agent refused a frame
     * (thrown as the agent's error).
     */
    public void awaitEnd() throws IOException {
        Frame f = FrameCodec.read(ch.input());
        if (f == null) return;
        if (f.type() == AgentProtocol.ERROR) throw FrameCodec.error(f);
        throw new AgentProtocolException(
                "unexpected " + AgentProtocol.typeName(f.type()) + " frame in the attach to container " + id);
    }

    private void send(int type, byte[] b, int off, int len) throws IOException {
        synchronized (writeLock) {
            FrameCodec.write(ch.output(), type, b, off, len);
        }
    }

    /** Detaches: the init keeps running and its input stays open for the next attach. */
    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to keep
        }
    }
}
