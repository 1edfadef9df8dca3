package io.jvmm.cli.runc;

import io.jvmm.cli.Jvmm;
import io.jvmm.runc.BundleReader;
import io.jvmm.runc.ExecTranslator;
import io.jvmm.runc.OciProcess;
import io.jvmm.runtime.DetachedJvm;
import io.jvmm.runtime.EntryPoint;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.state.StateDirs;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The hidden {@code jvmm runc __waiter [--exec FILE] ID}: the host process that stands for a guest process
 * ({@link WaitedProcess}), whose pid create (the container's init) or a detached exec (the exec'd process,
 * {@code --exec}) writes to the pid file. conmon and containerd's shim wait on that pid (it is their child
 * once create or exec has exited: they are subreapers) and forward signals to it. It lives exactly as long
 * as the guest process, exits with its status, passes the forwarded signals on ({@link SignalRelay}) and
 * copies the guest process's output to the stdout and stderr it inherited, as the process's own would be.
 * An exec waiter starts the process itself (its connection to the agent is the process's life) and
 * reports to its starter whether it did ({@link DetachedJvm#report}).
 */
@Command(name = RuncWaiter.NAME, hidden = true, description = "Stands for a container's process on the host.")
final class RuncWaiter extends RuncSubcommand {
    static final String NAME = "__waiter";

    /** The report of an exec waiter whose process runs; anything else is the error. */
    static final String STARTED = "started";

    @Option(
            names = "--exec",
            paramLabel = "FILE",
            description = "Start and stand for this process spec (deleted once read).")
    Path exec;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    private final InputStream in;

    RuncWaiter(PrintStream out, InputStream in, PrintStream err) {
        super(out, err);
        this.in = in;
    }

    @Override
    int run(OciContainers containers, RuncLog log) throws InterruptedException {
        if (exec == null) {
            Container c = OciContainers.container(containers.get(id));
            return WaitedProcess.standFor(
                    WaitedInit.follow(c, out, err, log, "waiter of " + id), log, "waiter of " + id);
        }
        WaitedExec process;
        try {
            OciProcess spec = BundleReader.parseProcess(readAndDelete(exec));
            Container c = OciContainers.container(containers.get(id));
            process = WaitedExec.start(c, ExecTranslator.request(spec), in, out, err, log, "exec waiter of " + id);
        } catch (RuntimeException e) {
            // The starter reports it: this process's stderr is the exec's, not the place for it.
            DetachedJvm.report(e.getMessage());
            log.debug("exec waiter of " + id + ": " + e.getMessage());
            return e instanceof RuncException r ? r.status() : 1;
        }
        DetachedJvm.report(STARTED);
        return WaitedProcess.standFor(process, log, "exec waiter of " + id);
    }

    private static byte[] readAndDelete(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new RuncException("cannot read the process spec " + file + ": " + StateDirs.describe(e));
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // the pod's directory goes with the pod
            }
        }
    }

    /** The global flags of {@code global}, then {@code args}: a waiter sees the same root and log. */
    private static List<String> command(RuncCommand global, List<String> args) {
        List<String> all = new ArrayList<>(List.of("runc"));
        if (global.root != null)
            all.addAll(
                    List.of("--root", global.root.toAbsolutePath().normalize().toString()));
        if (global.log != null)
            all.addAll(List.of(
                    "--log", global.log.toAbsolutePath().normalize().toString(), "--log-format", global.logFormat));
        if (global.debug) all.add("--debug");
        all.addAll(args);
        return all;
    }

    /**
     * Starts the waiter of {@code pod}'s init in a session of its own, a child of this process with its
     * stdin, stdout and stderr, and the same global flags; returns its pid and start time.
     */
    static ProcessInfo.Id spawn(Pod pod, RuncCommand global) {
        // Not -Xrs: with it HotSpot refuses handlers for SIGTERM, SIGINT and SIGHUP (the ones that matter).
        return DetachedJvm.start(EntryPoint.of(Jvmm.class), List.of(), command(global, List.of(NAME, pod.name())));
    }

    /**
     * Starts the waiter of an exec in {@code pod} of the process spec {@code spec} (which it deletes), as
     * {@link #spawn}; returns once the process runs, with the waiter's pid and start time, or throws the
     * error that kept it from running.
     */
    static ProcessInfo.Id spawnExec(Pod pod, Path spec, RuncCommand global) {
        DetachedJvm.Reported r = DetachedJvm.startReporting(
                EntryPoint.of(Jvmm.class),
                List.of(),
                command(global, List.of(NAME, "--exec", spec.toString(), pod.name())));
        if (r.report().equals(STARTED)) return r.id();
        kill(r.id());
        if (r.report().isEmpty())
            throw new RuncException("exec failed: its waiter ended before it started the process", WaitedExec.FAILED);
        throw new RuncException(r.report(), r.report().startsWith("exec failed:") ? WaitedExec.FAILED : 1);
    }

    /** Ends a waiter whose guest process is gone. */
    static void kill(ProcessInfo.Id waiter) {
        ProcessInfo.killAndWait(waiter, Duration.ofSeconds(2));
    }
}
