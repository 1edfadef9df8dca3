package io.jvmm.cli.runc;

import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecResult;
import io.jvmm.agent.ExecSession;
import io.jvmm.cli.FlushingOutput;
import io.jvmm.runtime.ConsoleTerminal;
import io.jvmm.runtime.pod.Container;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;

/**
 * A process exec'd in a container through the guest agent, on a connection this process holds: the process
 * lives as long as the connection (the agent kills it when the connection goes), so the process that
 * holds it is its stand-in. Its stdin is fed from {@code in}, its output written to {@code out} and
 * {@code err} as it comes; or, with a console socket, all three are a host terminal whose master went to
 * the socket ({@link ConsoleTerminal}), bridged to the process's terminal in the guest, its size
 * following the host terminal's.
 */
final class WaitedExec implements WaitedProcess {
    /** runc's exit status for an exec that failed (its process did not run, or was lost). */
    static final int FAILED = 255;

    private final ExecSession session;
    /** The host terminal the process's terminal is bridged to, or null without one. */
    private final ConsoleTerminal terminal;

    private final RuncLog log;
    private final String what;

    private WaitedExec(ExecSession session, ConsoleTerminal terminal, RuncLog log, String what) {
        this.session = session;
        this.terminal = terminal;
        this.log = log;
        this.what = what;
    }

    /**
     * Starts {@code req} in {@code c}; a program that cannot start is runc's {@code exec failed: ...}
     * error with status {@link #FAILED}.
     */
    static WaitedExec start(
            Container c, ExecRequest req, InputStream in, OutputStream out, OutputStream err, RuncLog log, String what)
            throws InterruptedException {
        ExecSession s = begin(c, req, FlushingOutput.of(out), FlushingOutput.of(err));
        s.feedStdin(in, "runc-exec-stdin-" + s.pid());
        return new WaitedExec(s, null, log, what);
    }

    /**
     * Starts {@code req} in {@code c} with a terminal: {@code t} carries its input and output (one stream,
     * as a terminal's is), and its size is the host terminal's as it changes, or {@code size} until the
     * other end sets one.
     */
    static WaitedExec startOnTerminal(
            Container c, ExecRequest req, ConsoleTerminal t, Optional<int[]> size, RuncLog log, String what)
            throws InterruptedException {
        Optional<int[]> initial = t.size().or(() -> size);
        ExecRequest tty = req.withTty(true).withStdin(true);
        if (initial.isPresent()) tty = tty.withSize(initial.get()[0], initial.get()[1]);
        OutputStream out = t.output();
        ExecSession s;
        try {
            s = begin(c, tty, out, out);
        } catch (RuntimeException | InterruptedException e) {
            t.close();
            throw e;
        }
        s.feedStdin(t.input(), "runc-exec-tty-" + s.pid());
        t.followSize("runc-exec-size-" + s.pid(), initial.orElse(null), s::resize);
        return new WaitedExec(s, t, log, what);
    }

    /** The session of {@code req}, running; a program that cannot start is runc's {@code exec failed}. */
    private static ExecSession begin(Container c, ExecRequest req, OutputStream out, OutputStream err)
            throws InterruptedException {
        ExecSession s = c.exec(req, out, err);
        if (s.pid() < 0) {
            String error;
            try {
                error = s.waitFor().error();
            } catch (IOException e) {
                error = e.getMessage();
            } finally {
                s.close();
            }
            throw new RuncException("exec failed: unable to start container process: " + error, FAILED);
        }
        return s;
    }

    /** The process's pid in the guest. */
    int guestPid() {
        return session.pid();
    }

    @Override
    public void signal(int signo) {
        try {
            session.signal(signo);
        } catch (IOException e) {
            log.debug(what + ": signal " + signo + ": " + e.getMessage());
        }
    }

    @Override
    public int await() throws InterruptedException {
        try {
            ExecResult r = session.waitFor();
            if (r.error() != null) log.debug(what + ": " + r.error());
            return r.exitCode();
        } catch (IOException e) {
            // The connection went without EXIT: the VM stopped under the process.
            log.error(what + ": " + e.getMessage());
            return FAILED;
        } finally {
            session.close();
            if (terminal != null) terminal.close(); // the other end reads the hang-up
        }
    }
}
