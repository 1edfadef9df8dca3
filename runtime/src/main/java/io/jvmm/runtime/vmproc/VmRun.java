package io.jvmm.runtime.vmproc;

import io.jvmm.core.backend.net.NetnsInterface;
import io.jvmm.runtime.DefaultKernel;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.state.AutoRemoval;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import io.jvmm.sandbox.SandboxConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * Runs one stored VM in this process to its end: as the detached VM process that
 * {@link VmLaunch#startDetached} starts, or in the foreground with a terminal as the workload's. The
 * record gets this process's pid when it starts and how the VM ended when it ends.
 */
public final class VmRun {
    private VmRun() {}

    /** What a detached VM process was told on its command line; null fields were not given. */
    public record Detached(
            String id,
            Path kernel,
            Integer readyTimeoutSeconds,
            Path restoreFrom,
            Integer networkFd,
            NetnsInterface networkInterface) {
        /**
         * The arguments as given on a command line: {@code networkInterface} in {@link NetnsInterface#toArgument}'s
         * form, or null; a usage error names a malformed one, or one without its TAP.
         */
        public static Detached of(
                String id,
                Path kernel,
                Integer readyTimeoutSeconds,
                Path restoreFrom,
                Integer networkFd,
                String networkInterface) {
            NetnsInterface joined = null;
            if (networkInterface != null) {
                if (networkFd == null) throw EngineException.usage("--network-interface needs --network-fd, its TAP");
                try {
                    joined = NetnsInterface.fromArgument(networkInterface);
                } catch (IllegalArgumentException e) {
                    throw EngineException.usage("--network-interface: " + e.getMessage());
                }
            }
            return new Detached(id, kernel, readyTimeoutSeconds, restoreFrom, networkFd, joined);
        }
    }

    /** The detached VM process: runs the VM {@code d.id()} names, confined as its record says. */
    public static int detached(Detached d) throws InterruptedException {
        StateDirs dirs = StateDirs.fromEnvironment();
        VmStore store = new VmStore(dirs);
        VmRecord r = store.get(d.id());
        Path kernel = d.kernel() != null
                ? d.kernel()
                : DefaultKernel.fromSystem().resolve().kernel();
        VmConfinement confinement =
                new VmConfinement(r.security(), store, dirs.vmDataDir(r.id()), dirs.vmRunDir(r.id()));
        VmProcess.Workload w = new VmProcess.Workload(
                r.command(),
                r.env(),
                orEmpty(r.workdir()),
                orEmpty(r.user()),
                r.tty(),
                r.interactive(),
                null,
                null,
                null);
        try {
            return run(
                    store,
                    dirs,
                    r,
                    kernel,
                    d.readyTimeoutSeconds(),
                    w,
                    d.networkFd(),
                    d.networkInterface(),
                    confinement,
                    d.restoreFrom());
        } finally {
            // --rm: the VM goes with its end; this process is the one that sees it.
            if (r.autoRemove())
                AutoRemoval.byVmProcess(
                        store, r.id(), r.security().landlock() || r.security().seccomp());
        }
    }

    /**
     * {@code r} in this process, its workload's output on {@code out}/{@code err} and, when the record
     * is interactive, its input from {@code in}. Putting a terminal in raw mode is the caller's.
     */
    public static int foreground(
            VmStore store,
            StateDirs dirs,
            VmRecord r,
            Path kernel,
            Integer readyTimeoutSeconds,
            OutputStream out,
            InputStream in,
            PrintStream err)
            throws InterruptedException {
        VmProcess.Workload w = new VmProcess.Workload(
                r.command(),
                r.env(),
                orEmpty(r.workdir()),
                orEmpty(r.user()),
                r.tty(),
                r.interactive(),
                out,
                err,
                r.interactive() ? in : null);
        return run(store, dirs, r, kernel, readyTimeoutSeconds, w, null, null, null, null);
    }

    /** The ready timeout for {@code seconds}, null for the default. */
    public static Duration readyTimeout(Integer seconds) {
        return seconds == null ? null : Duration.ofSeconds(seconds);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }

    private static int run(
            VmStore store,
            StateDirs dirs,
            VmRecord r,
            Path kernel,
            Integer readyTimeout,
            VmProcess.Workload w,
            Integer networkFd,
            NetnsInterface networkInterface,
            VmConfinement confinement,
            Path restoreFrom)
            throws InterruptedException {
        ProcessInfo.Id self = ProcessInfo.self();
        store.update(r.id(), x -> x.withState(VmRecord.State.running(self.pid(), self.startTime(), Instant.now())));
        try (OutputStream console = RotatingFile.append(dirs.consoleLog(r.id()), r.logs()).stream()) {
            SandboxConfig config = VmLaunch.sandboxConfig(
                    r, dirs, kernel, console, readyTimeout(readyTimeout), networkFd, networkInterface, confinement);
            VmProcess vm = new VmProcess(
                    config,
                    w,
                    dirs.controlSocket(r.id()),
                    dirs.workloadLog(r.id()),
                    r.logs(),
                    (exitCode, error) ->
                            store.update(r.id(), x -> x.withState(x.state().exited(Instant.now(), exitCode, error))),
                    restoreFrom);
            if (confinement != null) vm.whenReady(confinement::startSelfTestIfAsked);
            return vm.run();
        } catch (IOException e) {
            store.update(r.id(), x -> x.withState(x.state().exited(Instant.now(), null, e.getMessage())));
            throw EngineException.runtime(e.getMessage());
        } catch (RuntimeException e) {
            // Recorded so that ps shows why, not "the VM process died".
            store.update(
                    r.id(), x -> x.withState(x.state().exited(Instant.now(), null, String.valueOf(e.getMessage()))));
            throw e;
        }
    }
}
