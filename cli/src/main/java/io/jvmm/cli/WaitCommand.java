package io.jvmm.cli;

import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.pod.Container;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code jvmm wait}: blocks until each VM has exited and prints its workload's exit status, as docker wait. */
@Command(name = "wait", description = "Block until microVMs exit, then print their exit statuses.")
final class WaitCommand extends CliCommand {
    @Parameters(arity = "1..*", paramLabel = "VM", description = "VM or container names, ids or unique id prefixes.")
    private List<String> vms;

    WaitCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws InterruptedException {
        Engine engine = Jvmm.engine();
        int status = 0;
        for (String ref : vms) {
            try {
                Optional<Container> c = ContainerTargets.find(engine, err, ref);
                out.println(c.isPresent() ? c.get().await() : engine.await(ref));
            } catch (CliException | EngineException e) {
                err.println("jvmm: " + e.getMessage());
                status = 1;
            }
        }
        return status;
    }
}
