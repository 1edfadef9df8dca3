package io.jvmm.cli.runc;

import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.pod.Container;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;

/**
 * A container's init, as create's waiter stands for it: its output (kept by the agent) is copied to the
 * waiter's stdout and stderr from the start, as the init's own would be written.
 */
final class WaitedInit implements WaitedProcess {
    /** How long the output may take to drain once the container has exited. */
    private static final Duration DRAIN = Duration.ofSeconds(5);

    private final Container container;
    private final OutputStream out;
    private final OutputStream err;
    private final Thread output;

    private WaitedInit(Container container, OutputStream out, OutputStream err, Thread output) {
        this.container = container;
        this.out = out;
        this.err = err;
        this.output = output;
    }

    /** Starts copying the container's output; {@code what} names it in debug lines. */
    static WaitedInit follow(Container c, OutputStream out, OutputStream err, RuncLog log, String what) {
        Thread output = Thread.ofPlatform()
                .name("runc-output-" + c.name())
                .daemon()
                .start(() -> {
                    try {
                        c.logs(true, out, err);
                    } catch (EngineException | InterruptedException e) {
                        log.debug(what + ": output: " + e.getMessage());
                    }
                });
        return new WaitedInit(c, out, err, output);
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
        return status;
    }
}
