package io.jvmm.cli.runc;

import io.jvmm.cli.Jvmm;
import io.jvmm.runtime.DetachedJvm;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.EntryPoint;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.state.ProcessInfo;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import sun.misc.Signal;

/**
 * The hidden {@code jvmm runc __waiter ID}: the host process that stands for the container's init, whose
 * pid {@code create} writes to the pid file. conmon and containerd's shim wait on that pid (it is their
 * child once create has exited: they are subreapers) and forward signals to it. It waits for the
 * container to start and exit (through the pod's agent) and exits with its status; the signals a
 * supervisor forwards ({@link #FORWARDED}) go on to the container's init; the container's output is
 * copied to its stdout and stderr, which it inherited from create, as the init's would be.
 */
@Command(name = RuncWaiter.NAME, hidden = true, description = "Stands for a container's init on the host.")
final class RuncWaiter extends RuncSubcommand {
    static final String NAME = "__waiter";

    /**
     * The signals passed on to the container's init, as runc's signal forwarding does. HotSpot keeps
     * SIGQUIT (thread dumps) for itself: it is refused, and the refusal is a debug line.
     */
    static final List<String> FORWARDED = List.of("TERM", "INT", "HUP", "QUIT", "USR1", "USR2");

    /** How long the output may take to drain once the container has exited. */
    private static final Duration DRAIN = Duration.ofSeconds(5);

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    RuncWaiter(PrintStream out, PrintStream err) {
        super(out, err);
    }

    @Override
    int run(OciContainers containers, RuncLog log) throws InterruptedException {
        Container c = OciContainers.container(containers.get(id));
        for (String name : FORWARDED) {
            try {
                Signal.handle(new Signal(name), s -> forward(c, s.getNumber(), log));
            } catch (IllegalArgumentException e) {
                log.debug("waiter of " + id + ": SIG" + name + " cannot be forwarded: " + e.getMessage());
            }
        }
        Thread output = Thread.ofPlatform().name("runc-output-" + id).daemon().start(() -> {
            try {
                c.logs(true, out, err);
            } catch (EngineException | InterruptedException e) {
                log.debug("waiter of " + id + ": output: " + e.getMessage());
            }
        });
        int status = c.await();
        output.join(DRAIN);
        out.flush();
        err.flush();
        return status;
    }

    /** Passes signal {@code signo} on to the container's init, off the signal dispatcher's thread. */
    private void forward(Container c, int signo, RuncLog log) {
        Thread.ofVirtual().start(() -> {
            try {
                c.kill(signo);
            } catch (EngineException | InterruptedException e) {
                log.debug("waiter of " + id + ": signal " + signo + ": " + e.getMessage());
            }
        });
    }

    /**
     * Starts the waiter of {@code pod} in a session of its own, a child of this process with its stdin,
     * stdout and stderr, and the same global flags; returns its pid and start time.
     */
    static ProcessInfo.Id spawn(Pod pod, RuncCommand global) {
        List<String> args = new ArrayList<>(List.of("runc"));
        if (global.root != null)
            args.addAll(
                    List.of("--root", global.root.toAbsolutePath().normalize().toString()));
        if (global.log != null)
            args.addAll(List.of(
                    "--log", global.log.toAbsolutePath().normalize().toString(), "--log-format", global.logFormat));
        if (global.debug) args.add("--debug");
        args.addAll(List.of(NAME, pod.name()));
        // Not -Xrs: with it HotSpot refuses handlers for SIGTERM, SIGINT and SIGHUP (the ones that matter).
        return DetachedJvm.start(EntryPoint.of(Jvmm.class), List.of(), args);
    }

    /** Ends a waiter whose container is gone. */
    static void kill(ProcessInfo.Id waiter) {
        ProcessInfo.killAndWait(waiter, Duration.ofSeconds(2));
    }
}
