package io.jvmm.cli.runc;

import io.jvmm.cli.Jvmm;
import io.jvmm.runc.BundleReader;
import io.jvmm.runc.BundleTranslator;
import io.jvmm.runc.ExecTranslator;
import io.jvmm.runc.OciProcess;
import io.jvmm.runtime.ConsoleTerminal;
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
 * copies the guest process's output to the stdout and stderr it inherited, as the process's own would be,
 * and the stdin it inherited to the process. With {@code --console-socket} the process has a terminal
 * instead, whose master it sends there ({@link io.jvmm.runtime.ConsoleTerminal}). An exec waiter starts the
 * process itself (its connection to the agent is the process's life). Each reports to its starter once it
 * stands for the process, or why it cannot ({@link DetachedJvm#report}).
 */
@Command(name = RuncWaiter.NAME, hidden = true, description = "Stands for a container's process on the host.")
final class RuncWaiter extends RuncSubcommand {
    static final String NAME = "__waiter";

    /** The report of a waiter that stands for its process; anything else is the error. */
    static final String STARTED = "started";

    @Option(
            names = "--exec",
            paramLabel = "FILE",
            description = "Start and stand for this process spec (deleted once read).")
    Path exec;

    @Option(names = "--console-socket", paramLabel = "SOCKET", description = "Send the process's terminal master here.")
    Path consoleSocket;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    private final InputStream in;

    RuncWaiter(PrintStream out, InputStream in, PrintStream err) {
        super(out, err);
        this.in = in;
    }

    @Override
    int run(OciContainers containers, RuncLog log) throws InterruptedException {
        String what = (exec == null ? "waiter of " : "exec waiter of ") + id;
        WaitedProcess process;
        try {
            Container c = OciContainers.container(containers.get(id));
            process = exec == null ? init(c, log, what) : exec(c, log, what);
        } catch (RuntimeException e) {
            // The starter reports it: this process's stderr is the container's, not the place for it.
            DetachedJvm.report(e.getMessage());
            log.debug(what + ": " + e.getMessage());
            return e instanceof RuncException r ? r.status() : 1;
        }
        DetachedJvm.report(STARTED);
        return WaitedProcess.standFor(process, log, what);
    }

    /** The init, its terminal's master sent to the console socket, or its stdin fed from ours. */
    private WaitedInit init(Container c, RuncLog log, String what) throws InterruptedException {
        if (consoleSocket == null) return WaitedInit.follow(c, in, out, err, log, what);
        String bundle = c.pod().record().labels().get(BundleTranslator.BUNDLE_LABEL);
        OciProcess spec = BundleReader.read(Path.of(bundle)).spec().process();
        return WaitedInit.onTerminal(c, ConsoleTerminal.send(consoleSocket), RuncExec.consoleSize(spec), log, what);
    }

    /** The exec of the spec file, started here: its connection to the agent is the process's life. */
    private WaitedExec exec(Container c, RuncLog log, String what) throws InterruptedException {
        OciProcess spec = BundleReader.parseProcess(readAndDelete(exec));
        return consoleSocket != null // the starter passes one for a spec with a terminal
                ? WaitedExec.startOnTerminal(
                        c,
                        ExecTranslator.request(spec),
                        ConsoleTerminal.send(consoleSocket),
                        RuncExec.consoleSize(spec),
                        log,
                        what)
                : WaitedExec.start(c, ExecTranslator.request(spec), in, out, err, log, what);
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
     * stdout and stderr (and its stdin with {@code inheritStdin}), and the same global flags; returns its
     * pid and start time once it stands for the init, or throws what kept it from doing so. With a console
     * socket, the init's terminal master has been sent there by then.
     */
    static ProcessInfo.Id spawn(Pod pod, Path consoleSocket, boolean inheritStdin, RuncCommand global) {
        return started(List.of(pod.name()), consoleSocket, inheritStdin, global, "", 1);
    }

    /**
     * Starts the waiter of an exec in {@code pod} of the process spec {@code spec} (which it deletes), as
     * {@link #spawn}; returns once the process runs, with the waiter's pid and start time, or throws the
     * error that kept it from running. A spec with a terminal sends its master to {@code consoleSocket}.
     */
    static ProcessInfo.Id spawnExec(Pod pod, Path spec, Path consoleSocket, boolean inheritStdin, RuncCommand global) {
        return started(
                List.of("--exec", spec.toString(), pod.name()),
                consoleSocket,
                inheritStdin,
                global,
                "exec failed: ",
                WaitedExec.FAILED);
    }

    private static ProcessInfo.Id started(
            List<String> args,
            Path consoleSocket,
            boolean inheritStdin,
            RuncCommand global,
            String errorPrefix,
            int failed) {
        List<String> all = new ArrayList<>(List.of(NAME));
        if (consoleSocket != null)
            all.addAll(List.of(
                    "--console-socket",
                    consoleSocket.toAbsolutePath().normalize().toString()));
        all.addAll(args);
        // Not -Xrs: with it HotSpot refuses handlers for SIGTERM, SIGINT and SIGHUP (the ones that matter).
        DetachedJvm.Reported r =
                DetachedJvm.startReporting(EntryPoint.of(Jvmm.class), List.of(), command(global, all), inheritStdin);
        if (r.report().equals(STARTED)) return r.id();
        kill(r.id());
        if (r.report().isEmpty())
            throw new RuncException(errorPrefix + "its waiter ended before it stood for the process", failed);
        throw new RuncException(r.report(), r.report().startsWith("exec failed:") ? WaitedExec.FAILED : 1);
    }

    /** Ends a waiter whose guest process is gone. */
    static void kill(ProcessInfo.Id waiter) {
        ProcessInfo.killAndWait(waiter, Duration.ofSeconds(2));
    }
}
