package io.jvmm.cli.runc;

import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecResult;
import io.jvmm.agent.ExecSession;
import io.jvmm.cli.FlushingOutput;
import io.jvmm.runtime.pod.Container;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A process exec'd in a container through the guest agent, on a connection this process holds: the process
 * lives as long as the connection (the agent kills it when the connection goes), so the process that
 * holds it is its stand-in. Its stdin is fed from {@code in}, its output written to {@code out} and
 * {@code err} as it comes.
 */
final class WaitedExec implements WaitedProcess {
    /** runc's exit status for an exec that failed (its process did not run, or was lost). */
    static final int FAILED = 255;

    private final ExecSession session;
    private final RuncLog log;
    private final String what;

    private WaitedExec(ExecSession session, RuncLog log, String what) {
        this.session = session;
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
        ExecSession s = c.exec(req, FlushingOutput.of(out), FlushingOutput.of(err));
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
        s.feedStdin(in, "runc-exec-stdin-" + s.pid());
        return new WaitedExec(s, log, what);
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
        }
    }
}
