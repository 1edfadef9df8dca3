package io.jvmm.shim.task;

import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecSession;
import io.jvmm.files.Closeables;
import java.nio.channels.FileChannel;

/**
 * An extra process of a task (containerd's Exec): what to run in the container, the stdio paths it was
 * given, its life, and once started its agent session and guest pid.
 */
final class ExecProcess {
    final String execId;
    final ExecRequest request;
    final String stdin;
    final String stdout;
    final String stderr;
    final ProcessLife life = new ProcessLife();
    private ExecSession session;
    private int pid;
    private FileChannel stdinFifo;

    ExecProcess(String execId, ExecRequest request, String stdin, String stdout, String stderr) {
        this.execId = execId;
        this.request = request;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** The session began; {@code stdinFifo} (null without stdin) is being fed to it. */
    synchronized void started(ExecSession session, FileChannel stdinFifo) {
        this.session = session;
        this.pid = Math.max(session.pid(), 0);
        this.stdinFifo = stdinFifo;
    }

    synchronized ExecSession session() {
        return session;
    }

    synchronized int pid() {
        return pid;
    }

    /**
     * Ends the program's input: containerd's CloseIO once its client's stdin is at its end. Closing the
     * FIFO ends the feeder's read, which then closes the program's stdin; an interrupt would instead
     * close the agent connection it writes to.
     */
    synchronized void closeStdin() {
        if (stdinFifo == null) return;
        Closeables.closeQuietly(stdinFifo);
        stdinFifo = null;
    }
}
