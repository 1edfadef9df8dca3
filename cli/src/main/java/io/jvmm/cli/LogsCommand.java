package io.jvmm.cli;

import io.jvmm.runtime.Engine;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import io.jvmm.runtime.vmproc.RotatingFile;
import io.jvmm.runtime.vmproc.WorkloadLog;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jvmm logs}: the workload's stdout and stderr, each to its own stream, as docker logs does. */
@Command(name = "logs", description = "Print a microVM's workload output (stdout and stderr).")
final class LogsCommand extends CliCommand {
    @Option(
            names = {"-f", "--follow"},
            description = "Keep printing new output until the VM ends.")
    private boolean follow;

    @Option(names = "--console", description = "Print the guest's serial console (kernel messages) instead.")
    private boolean console;

    @Parameters(index = "0", paramLabel = "VM", description = "VM or container name, id or unique id prefix.")
    private String vm;

    LogsCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws Exception {
        Engine engine = Jvmm.engine();
        Optional<Container> container = ContainerTargets.find(engine, err, vm);
        if (container.isPresent()) {
            if (console) throw CliException.usage("--console is a VM's: give the pod's name");
            container.get().logs(follow, out, err);
            out.flush();
            return 0;
        }
        StateDirs dirs = engine.dirs();
        VmStore store = engine.vms();
        VmRecord r = store.resolve(vm);
        if (console) {
            for (Path c : RotatingFile.oldestFirst(dirs.consoleLog(r.id()))) Files.copy(c, out);
            out.flush();
            return 0;
        }
        Path log = dirs.workloadLog(r.id());
        WorkloadLog.copy(
                log,
                out,
                err,
                follow,
                () -> VmStore.effectiveStatus(store.find(r.id()).orElse(r)) == VmRecord.Status.RUNNING);
        return 0;
    }
}
