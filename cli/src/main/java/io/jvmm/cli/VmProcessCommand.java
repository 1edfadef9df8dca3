package io.jvmm.cli;

import io.jvmm.cli.state.ProcessInfo;
import io.jvmm.cli.state.StateDirs;
import io.jvmm.cli.state.VmRecord;
import io.jvmm.cli.state.VmStore;
import io.jvmm.cli.vmproc.RotatingFile;
import io.jvmm.cli.vmproc.VmProcess;
import io.jvmm.sandbox.SandboxConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The hidden {@code jvmm __vm-process ID}: the detached VM process that {@code run -d} starts. It
 * records its pid in the VM's state, runs the VM and records how it ended.
 */
@Command(name = VmLaunch.VM_PROCESS_COMMAND, hidden = true, description = "Runs a detached VM (started by 'jvmm run -d').")
final class VmProcessCommand implements Callable<Integer> {
    /** The snapshot this process restores (one VM per process; null in the foreground run). */
    private static Path restoreFrom;

    @Parameters(index = "0", paramLabel = "ID")
    private String id;
    @Option(names = "--ready-timeout", paramLabel = "SECONDS")
    private Integer readyTimeout;
    @Option(names = "--restore", paramLabel = "DIR", description = "Restore this snapshot instead of booting.")
    private Path restore;
    @Option(names = "--kernel", paramLabel = "FILE", description = "The guest kernel (default: as 'jvmm run' finds it).")
    private Path kernel;
    @Option(names = "--network-fd", paramLabel = "FD", description = "A socket connected to the passt its launcher started.")
    private Integer networkFd;

    @Override
    public Integer call() throws Exception {
        StateDirs dirs = StateDirs.fromEnvironment();
        VmStore store = new VmStore(dirs);
        VmRecord r = store.get(id);
        Path kernel = this.kernel != null ? this.kernel : DefaultKernel.fromSystem().resolve().kernel();
        restoreFrom = restore;
        VmConfinement confinement = new VmConfinement(r.security(), store, dirs.vmDataDir(r.id()), dirs.vmRunDir(r.id()));
        return run(store, dirs, r, kernel, readyTimeout, new VmProcess.Workload(r.command(), r.env(), orEmpty(r.workdir()), orEmpty(r.user()), r.tty(), r.interactive(), null, null, null),
                networkFd, confinement);
    }

    /** {@code jvmm run} without -d: this process is the VM process, the terminal the workload's. */
    static int runInForeground(VmStore store, StateDirs dirs, VmRecord r, Path kernel, Integer readyTimeout,
                               OutputStream out, InputStream in, PrintStream err) throws Exception {
        boolean raw = r.tty() && r.interactive();
        try (Terminal t = raw ? Terminal.raw() : null) {
            VmProcess.Workload w = new VmProcess.Workload(r.command(), r.env(), orEmpty(r.workdir()), orEmpty(r.user()), r.tty(), r.interactive(), out, err,
                    r.interactive() ? in : null);
            return run(store, dirs, r, kernel, readyTimeout, w, null, null);
        }
    }

    private static String orEmpty(String s) { return s == null ? "" : s; }

    private static int run(VmStore store, StateDirs dirs, VmRecord r, Path kernel, Integer readyTimeout, VmProcess.Workload w,
                           Integer networkFd, VmConfinement confinement) throws Exception {
        ProcessInfo.Id self = ProcessInfo.self();
        store.update(r.id(), x -> x.withState(VmRecord.State.running(self.pid(), self.startTime(), Instant.now())));
        try (OutputStream console = RotatingFile.append(dirs.consoleLog(r.id()), r.logs()).stream()) {
            SandboxConfig config = VmLaunch.sandboxConfig(r, dirs, kernel, console, RunCommand.readyTimeout(readyTimeout), networkFd, confinement);
            VmProcess vm = new VmProcess(config, w, dirs.controlSocket(r.id()), dirs.workloadLog(r.id()), r.logs(),
                    (exitCode, error) -> store.update(r.id(), x -> x.withState(x.state().exited(Instant.now(), exitCode, error))),
                    restoreFrom);
            if (confinement != null) vm.whenReady(confinement::startSelfTestIfAsked);
            return vm.run();
        } catch (IOException e) {
            store.update(r.id(), x -> x.withState(x.state().exited(Instant.now(), null, e.getMessage())));
            throw CliException.runtime(e.getMessage());
        } catch (RuntimeException e) {
            // Recorded so that ps shows why, not "the VM process died".
            store.update(r.id(), x -> x.withState(x.state().exited(Instant.now(), null, String.valueOf(e.getMessage()))));
            throw e;
        }
    }

}
