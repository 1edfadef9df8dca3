package io.jvmm.cli.runc;

import io.jvmm.agent.ContainerAttach;
import io.jvmm.runtime.ConsoleTerminal;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.pod.Container;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Optional;

/**
 * A container's init, as create's waiter stands for it: its output (kept by the agent) is copied to the
 * waiter's stdout and stderr from the start, as the init's own would be written, and the waiter's stdin
 * to the init's stdin pipe. Or, with a terminal, both go through a host terminal whose master went to the
 * console socket ({@link ConsoleTerminal}), whose size the init's terminal follows.
 */
final class WaitedInit implements WaitedProcess {
    /** How long the output may take to drain once the container has exited. */
    private static final Duration DRAIN = Duration.ofSeconds(5);

    private final Container container;
    private final OutputStream out;
    private final OutputStream err;
    private final Thread output;
    /** The attach feeding the init's input, or null when it has none. */
    private final ContainerAttach attach;
    /** The host terminal, or null without one. */
    private final ConsoleTerminal terminal;

    private WaitedInit(
            Container container,
            OutputStream out,
            OutputStream err,
            Thread output,
            ContainerAttach attach,
            ConsoleTerminal terminal) {
        this.container = container;
        this.out = out;
        this.err = err;
        this.output = output;
        this.attach = attach;
        this.terminal = terminal;
    }

    /**
     * Starts copying the container's output, and {@code in} to its stdin when it was created with one;
     * {@code what} names it in debug lines.
     */
    static WaitedInit follow(Container c, InputStream in, OutputStream out, OutputStream err, RuncLog log, String what)
            throws InterruptedException {
        ContainerAttach attach = null;
        if (c.record().stdin()) {
            attach = c.attach();
            attach.feed(in, "runc-stdin-" + c.name());
        }
        return new WaitedInit(c, out, err, copyOutput(c, out, err, log, what), attach, null);
    }

    /**
     * Bridges the container's terminal to {@code t}: what is typed there reaches it, its output is shown
     * there, and its size is {@code size} (the spec's consoleSize) until the other end sets one.
     */
    static WaitedInit onTerminal(Container c, ConsoleTerminal t, Optional<int[]> size, RuncLog log, String what)
            throws InterruptedException {
        ContainerAttach attach;
        try {
            attach = c.attach();
        } catch (EngineException | InterruptedException e) {
            t.close();
            throw e;
        }
        Optional<int[]> initial = t.size().or(() -> size);
        try {
            if (initial.isPresent()) attach.resize(initial.get()[0], initial.get()[1]);
        } catch (IOException e) {
            attach.close();
            t.close();
            throw EngineException.runtime("container " + c.name() + ": sizing its terminal: " + e.getMessage());
        }
        attach.feed(t.input(), "runc-tty-" + c.name());
        t.followSize("runc-tty-size-" + c.name(), initial.orElse(null), attach::resize);
        OutputStream shown = t.output();
        return new WaitedInit(c, shown, shown, copyOutput(c, shown, shown, log, what), attach, t);
    }

    private static Thread copyOutput(Container c, OutputStream out, OutputStream err, RuncLog log, String what) {
        return Thread.ofPlatform().name("runc-output-" + c.name()).daemon().start(() -> {
            try {
                c.logs(true, out, err);
            } catch (EngineException | InterruptedException e) {
                log.debug(what + ": output: " + e.getMessage());
            }
        });
    }

    @Override
    public void signal(int signo) throws InterruptedException {
        container.kill(signo);
    }

    @Override
    public int await() throws InterruptedException {
        int status = container.await();
        output.join(DRAIN);
        try {
            out.flush();
            err.flush();
        } catch (IOException ignored) {
            // the reader has gone: nothing left to deliver
        }
        if (attach != null) attach.close();
        if (terminal != null) terminal.close(); // the other end reads the hang-up
        return status;
    }
}
