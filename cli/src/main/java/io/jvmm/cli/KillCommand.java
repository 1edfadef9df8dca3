package io.jvmm.cli;

import io.jvmm.runtime.Engine;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jvmm kill}: a signal to each VM's workload (default KILL), as docker kill. */
@Command(name = "kill", description = "Send a signal to the workload of running microVMs (default KILL).")
final class KillCommand extends CliCommand {
    /** Linux x86 signal numbers by name, index = number (1..31; 32..64 by number only). */
    @Option(
            names = {"-s", "--signal"},
            paramLabel = "SIGNAL",
            description = "Signal name (KILL, SIGTERM, ...) or number 1..64.")
    private String signal = "KILL";

    @Parameters(arity = "1..*", paramLabel = "VM", description = "VM or container names, ids or unique id prefixes.")
    private List<String> vms;

    KillCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    /** The number {@code s} names: {@code 9}, {@code KILL}, {@code SIGKILL}, any case. */
    static int signalNumber(String s) {
        return SignalNames.number(s)
                .orElseThrow(() ->
                        CliException.usage("--signal " + s + ": not a signal (a name like KILL or TERM, or 1..64)"));
    }

    @Override
    public Integer call() throws InterruptedException {
        int signo = signalNumber(signal);
        Engine engine = Jvmm.engine();
        return eachVmOrContainer(engine, vms, ref -> engine.kill(ref, signo), c -> c.kill(signo));
    }
}
