package io.jvmm.cli;

import io.jvmm.cli.state.StateDirs;
import io.jvmm.cli.state.VmRecord;
import io.jvmm.cli.state.VmStore;
import io.jvmm.cli.vmproc.ControlClient;
import io.jvmm.cli.vmproc.ControlProtocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm stop}: asks the agent to power off (the workload gets SIGTERM, then SIGKILL after the
 * grace period), and kills the VM process when the VM has not ended {@code -t} seconds plus a margin later.
 */
@Command(name = "stop", description = "Stop running microVMs: graceful through the agent, forced after the timeout.")
final class StopCommand extends CliCommand {
    /** Time for unmounting and the reset after the workload is gone. */
    static final int MARGIN_SECONDS = 10;

    @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "Grace period before SIGKILL (default 10).")
    private int seconds = 10;
    @Parameters(arity = "1..*", paramLabel = "VM", description = "VM names, ids or unique id prefixes.")
    private List<String> vms;

    StopCommand(PrintStream out, InputStream in, PrintStream err) { super(out, in, err); }

    @Override
    public Integer call() throws Exception {
        if (seconds < 0) throw CliException.usage("-t must not be negative, got " + seconds);
        StateDirs dirs = StateDirs.fromEnvironment();
        VmStore store = new VmStore(dirs);
        int status = 0;
        for (String ref : vms) {
            try {
                stop(store, dirs, store.resolve(ref), seconds);
                out.println(ref);
            } catch (CliException | io.jvmm.cli.state.StateException e) {
                err.println("jvmm: " + e.getMessage());
                status = 1;
            }
        }
        return status;
    }

    static void stop(VmStore store, StateDirs dirs, VmRecord r, int seconds) throws InterruptedException {
        if (VmStore.effectiveStatus(r) != VmRecord.Status.RUNNING) return;
        Optional<ProcessHandle> p = ProcessHandle.of(r.state().pid());
        try {
            new ControlClient(dirs.controlSocket(r.id())).request(ControlProtocol.STOP + " " + seconds * 1000L).close();
        } catch (IOException e) {
            // No control socket (the VM is still starting, or hung): the kill below does it.
        }
        if (p.isPresent()) {
            try {
                p.get().onExit().get(seconds + MARGIN_SECONDS, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                p.get().destroyForcibly();
                p.get().onExit().join();
                store.update(r.id(), x -> x.withState(x.state().exited(Instant.now(), 137,
                        "killed: the VM did not stop within " + (seconds + MARGIN_SECONDS) + " s")));
            }
        }
    }
}
