package io.jvmm.cli;

import io.jvmm.runtime.Engine;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code jvmm restart}: {@code stop} (when running), then {@code start}, each VM in turn. */
@Command(name = "restart", description = "Restart microVMs: stop (graceful, forced after the timeout), then start.")
final class RestartCommand extends CliCommand {
    @Mixin
    private GraceOption grace = new GraceOption();

    @Parameters(arity = "1..*", paramLabel = "VM", description = "VM or container names, ids or unique id prefixes.")
    private List<String> vms;

    RestartCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws Exception {
        int seconds = grace.seconds();
        Engine engine = Jvmm.engine();
        return eachVmOrContainer(engine, vms, ref -> engine.restart(ref, seconds, null), c -> {
            c.stop(seconds);
            if (c.pod().running()) c.start();
            else c.pod().start(null);
        });
    }
}
