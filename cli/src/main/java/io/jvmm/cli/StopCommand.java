package io.jvmm.cli;

import io.jvmm.runtime.Engine;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm stop}: asks the agent to power off (the workload gets SIGTERM, then SIGKILL after the
 * grace period), and kills the VM process when the VM has not ended {@code -t} seconds plus a margin later.
 */
@Command(name = "stop", description = "Stop running microVMs: graceful through the agent, forced after the timeout.")
final class StopCommand extends CliCommand {
    @Mixin
    private GraceOption grace = new GraceOption();

    @Parameters(arity = "1..*", paramLabel = "VM", description = "VM or container names, ids or unique id prefixes.")
    private List<String> vms;

    StopCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws Exception {
        int seconds = grace.seconds();
        Engine engine = Jvmm.engine();
        return eachVmOrContainer(
                engine, vms, ref -> engine.stop(engine.vms().resolve(ref), seconds), c -> c.stop(seconds));
    }
}
