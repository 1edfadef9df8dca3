package io.jvmm.agent;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A running program in the guest, on its own connection. One platform thread
 * ({@code agent-exec-<pid>}) copies STDOUT/STDERR into the sinks until EXIT.
 * {@link #close()} before the program ended abandons it: the connection closes and the agent
 * kills the program's process group.
 */
public final class ExecSession implements AutoCloseable {
    private final AgentChannel ch;
    private final int pid;
    private final Object writeLock = new Object();
    private final CountDownLatch done = new CountDownLatch(1);
    private final OutputStream stdout, stderr;
    private volatile ExecResult result;
    private volatile IOException failure;
    private Thread pump;

    private final StdinStream stdin;

    private ExecSession(AgentChannel ch, int pid, boolean hasStdin, OutputStream stdout, OutputStream stderr) {
        this.ch = ch;
        this.pid = pid;
        this.stdin = new StdinStream(
                this::send, hasStdin ? null : "the exec was started without stdin (ExecRequest.withStdin)");
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** A session whose program never started (ERROR then EXIT). */
    static ExecSession failed(ExecResult r) {
        ExecSession s = new ExecSession(null, -1, false, null, null);
        s.result = r;
        s.done.countDown();
        return s;
    }

    static ExecSession started(AgentChannel ch, int pid, boolean hasStdin, OutputStream stdout, OutputStream stderr) {
        ExecSession s = new ExecSession(ch, pid, hasStdin, stdout, stderr);
        s.pump = Thread.ofPlatform().name("agent-exec-" + pid).daemon(true).unstarted(s::pumpLoop);
        s.pump.start();
        return s;
    }

    private void pumpLoop() {
        String error = null;
        int errorCode = 0;
        InputStream in = ch.input();
        try {
            for (; ; ) {
                Frame f = FrameCodec.read(in);
                if (f == null) {
                    if (error != null) throw new AgentException(errorCode, error);
                    throw new EOFException("agent closed the exec connection of pid " + pid + " without EXIT");
                }
                switch (f.type()) {
                    case AgentProtocol.STDOUT -> sink(stdout, f.payload());
                    case AgentProtocol.STDERR -> sink(stderr, f.payload());
                    case AgentProtocol.ERROR -> {
                        AgentException e = FrameCodec.error(f);
                        error = e.getMessage();
                        errorCode = e.code();
                    }
                    case AgentProtocol.EXIT -> {
                        Payload.Reader r = new Payload.Reader(f);
                        int code = r.i32(), sig = r.i32();
                        r.end();
                        result = new ExecResult(code, sig, error, null, null);
                        return;
                    }
                    default ->
                        throw new AgentProtocolException("unexpected " + AgentProtocol.typeName(f.type())
                                + " frame in the exec session of pid " + pid);
                }
            }
        } catch (IOException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = new IOException("exec session of pid " + pid + " failed: " + e, e);
        } finally {
            closeQuietly();
            done.countDown();
        }
    }

    private static void sink(OutputStream out, byte[] b) throws IOException {
        if (out == null) return;
        out.write(b);
        out.flush();
    }

    /** The program's pid in the guest, or -1 when it could not be started. */
    public int pid() {
        return pid;
    }

    /**
     * The program's standard input: each write becomes STDIN frames of at most 64 KiB, close() sends
     * end of input. Only usable when the request asked for stdin.
     */
    public OutputStream stdin() {
        return stdin;
    }

    /**
     * Copies {@code in} to the program's stdin on a daemon platform thread named {@code threadName},
     * then sends end of input; it stops quietly once the program no longer reads or the session ends.
     */
    public Thread feedStdin(InputStream in, String threadName) {
        return stdin.feedFrom(in, threadName);
    }

    private void send(int type, byte[] b, int off, int len) throws IOException {
        if (ch == null) throw new IOException("the program was not started");
        synchronized (writeLock) {
            FrameCodec.write(ch.output(), type, b, off, len);
        }
    }

    /** Sends a signal to the program (its process group). */
    public void signal(int signo) throws IOException {
        if (signo < 1 || signo > 64) throw new IllegalArgumentException("signal number out of range: " + signo);
        byte[] p = new Payload.Writer().u32(signo).toByteArray();
        send(AgentProtocol.SIGNAL, p, 0, p.length);
    }

    /** Changes the terminal size (tty sessions; ignored otherwise). */
    public void resize(int rows, int cols) throws IOException {
        byte[] p = new Payload.Writer().u16(rows).u16(cols).toByteArray();
        send(AgentProtocol.RESIZE, p, 0, p.length);
    }

    /** Waits for EXIT. The stdout/stderr fields are empty: the output went to the sinks. */
    public ExecResult waitFor() throws IOException, InterruptedException {
        done.await();
        return outcome();
    }

    public Optional<ExecResult> waitFor(Duration timeout) throws IOException, InterruptedException {
        if (!done.await(timeout.toNanos(), TimeUnit.NANOSECONDS)) return Optional.empty();
        return Optional.of(outcome());
    }

    private ExecResult outcome() throws IOException {
        if (result != null) return result;
        IOException f = failure;
        if (f instanceof AgentException a) throw new AgentException(a.code(), a.getMessage());
        if (f instanceof AgentProtocolException p) throw new AgentProtocolException(p.getMessage());
        throw new IOException("exec session of pid " + pid + " failed: " + f.getMessage(), f);
    }

    /** Closes the connection; a program still running is killed by the agent. */
    @Override
    public void close() {
        closeQuietly();
    }

    private void closeQuietly() {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing left to do with a connection that fails to close
        }
    }
}
