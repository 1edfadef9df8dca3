package io.jvmm.cli;

import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.pod.Container;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm rm [-f] VM...}: deletes VMs (record, logs, sockets). A running VM is refused unless
 * {@code -f}, which SIGKILLs its VM process and whatever that process started, waits for them, then
 * deletes. Prints each VM as given, like docker; an error for one VM does not stop the others.
 */
@Command(
        name = "rm",
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = "Remove VMs: their record, logs and sockets. A running VM needs -f (killed first).")
final class RmCommand extends CliCommand {
    @Option(
            names = {"-f", "--force"},
            description = "Kill a running VM (SIGKILL) before removing it.")
    boolean force;

    @Parameters(arity = "1..*", paramLabel = "VM", description = "VM or container names, ids or unique id prefixes.")
    List<String> refs;

    RmCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws InterruptedException {
        Engine engine;
        try {
            engine = Jvmm.engine();
        } catch (EngineException e) {
            throw PsCommand.cli(e);
        }
        int status = 0;
        for (String ref : refs) {
            try {
                Optional<Container> c = ContainerTargets.find(engine, err, ref);
                if (c.isPresent()) c.get().delete(force);
                else engine.remove(ref, force);
                out.println(ref);
            } catch (EngineException e) {
                err.println("jvmm: " + e.getMessage());
                status = e.status();
            }
        }
        out.flush();
        return status;
    }
}
