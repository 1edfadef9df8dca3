package io.jvmm.cli;

import io.jvmm.agent.ContainerAttach;
import io.jvmm.runtime.pod.Container;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * This terminal on a container of a pod: the container's output here until it exits and, when its init
 * takes input (a terminal or a stdin pipe), what we read sent there. {@code jvmm run --pod -i} shows all
 * the output and ends the init's input at our end of input, as {@code docker run -i}; {@code jvmm attach}
 * shows the output from now on, only stops sending at our end of input, and Ctrl+] detaches, leaving
 * the container running.
 */
final class ContainerConsole {
    /** What {@link #follow} returns when the user detached. */
    static final int DETACHED = -1;

    /** How our input reaches the init. */
    enum Input {
        /** Not at all: output only. */
        NONE,
        /** Until our end of input, which ends the init's input too ({@code run -i}). */
        UNTIL_EOF,
        /** Until Ctrl+] (detach) or our end of input, which leaves the init's input open ({@code attach}). */
        DETACHABLE
    }

    private final Container container;
    private final PrintStream out;
    private final PrintStream err;

    ContainerConsole(Container container, PrintStream out, PrintStream err) {
        this.container = container;
        this.out = out;
        this.err = err;
    }

    /**
     * Streams the output (all of it, or what comes from now on) until the container exits and returns its
     * exit status, or {@link #DETACHED}. With a terminal, the init's terminal takes this one's size first.
     */
    int follow(InputStream in, Input mode, boolean fromStart) throws InterruptedException {
        boolean tty = container.record().tty();
        if (tty && mode == Input.NONE) {
            // Only the size: the attach is let go at once, free for a later 'jvmm attach'.
            try (ContainerAttach sizing = container.attach()) {
                resize(sizing);
            }
        }
        ContainerAttach attach = mode == Input.NONE ? null : container.attach();
        try (attach) {
            if (tty && attach != null) resize(attach);
            CountDownLatch over = new CountDownLatch(1);
            // Input goes only once the output is followed, so the output of what we send is all shown.
            CountDownLatch following = new CountDownLatch(1);
            AtomicReference<RuntimeException> failed = new AtomicReference<>();
            Thread output = Thread.ofPlatform().daemon().name("console-output").start(() -> {
                try {
                    OutputStream stdout = FlushingOutput.of(out), stderr = FlushingOutput.of(err);
                    if (fromStart) {
                        following.countDown();
                        container.logs(true, stdout, stderr);
                    } else {
                        container.followNewOutput(following::countDown, stdout, stderr);
                    }
                } catch (RuntimeException e) {
                    failed.set(e);
                } catch (InterruptedException e) {
                    // detached
                } finally {
                    following.countDown();
                    over.countDown();
                }
            });
            AtomicBoolean detached = new AtomicBoolean();
            following.await();
            if (mode == Input.UNTIL_EOF) {
                attach.feed(in, "console-input");
            } else if (mode == Input.DETACHABLE) {
                Thread.ofPlatform().daemon().name("console-input").start(() -> {
                    if (copyUntilDetach(in, attach.input())) {
                        detached.set(true);
                        over.countDown();
                    }
                });
            }
            over.await();
            if (detached.get()) {
                // Interrupting the reader closes its connection, so the follow ends now.
                output.interrupt();
                return DETACHED;
            }
            if (failed.get() != null) throw failed.get();
            return container.await();
        }
    }

    /** Sends this terminal's size to the init's, when it is known. */
    private void resize(ContainerAttach attach) {
        int[] size = Terminal.size();
        if (size[0] <= 0 || size[1] <= 0) return;
        try {
            attach.resize(size[0], size[1]);
        } catch (IOException e) {
            err.println("jvmm: cannot set the container's terminal size: " + e.getMessage());
        }
    }

    /**
     * Copies our input to the init's until Ctrl+] (true: the user detached) or our end of input, which
     * leaves the init's input open.
     */
    private static boolean copyUntilDetach(InputStream in, OutputStream to) {
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == AttachCommand.DETACH_KEY) {
                        to.write(buf, 0, i);
                        to.flush();
                        return true;
                    }
                }
                to.write(buf, 0, n);
                to.flush();
            }
        } catch (IOException e) {
            // The container exited or the pod stopped: the output side reports the end.
        }
        return false;
    }
}
