package io.jvmm.cli;

import io.jvmm.runtime.DefaultKernel;
import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.state.VmRecord;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm start}: boots created or exited VMs in detached VM processes, as docker start. With
 * {@code -a} this process runs the one VM named, its workload on this terminal, and exits with its status.
 */
@Command(name = "start", sortOptions = false, description = "Start created or stopped microVMs.")
final class StartCommand extends CliCommand {
    @Option(
            names = {"-a", "--attach"},
            description = "Run here, the workload's output on this terminal; exit with its status (one VM).")
    private boolean attach;

    @Option(
            names = "--ready-timeout",
            paramLabel = "SECONDS",
            description = "How long the guest may take to be ready (default 30, or 300 on kvm_pvm hosts).")
    private Integer readyTimeout;

    @Parameters(arity = "1..*", paramLabel = "VM", description = "VM or container names, ids or unique id prefixes.")
    private List<String> vms;

    StartCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws Exception {
        Engine engine = Jvmm.engine();
        if (attach) {
            if (vms.size() != 1) throw CliException.usage("start -a takes one VM, got " + vms.size());
            // The status is the workload's from here on: jvmm's own errors are 125, as docker's.
            try {
                VmRecord r = engine.prepareStart(vms.getFirst());
                return VmProcessCommand.runInForeground(
                        engine, r, DefaultKernel.fromSystem().resolve().kernel(), readyTimeout, out, in, err);
            } catch (CliException | EngineException e) {
                throw new CliException(CliException.OWN_ERROR, e.getMessage());
            }
        }
        return eachVmOrContainer(engine, vms, ref -> engine.startExisting(ref, readyTimeout), c -> {
            // A container of a stopped pod starts with its pod, as podman's.
            if (c.pod().running()) c.start();
            else c.pod().start(readyTimeout);
        });
    }
}
