package io.jvmm.cli;

import io.jvmm.runtime.Engine;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm pause} and {@code jvmm unpause}: the vCPUs of running VMs stopped and restarted through
 * their VM processes (the guest does not notice; exec waits for unpause, stop resumes first).
 */
abstract class PauseCommand extends CliCommand {
    @Parameters(arity = "1..*", paramLabel = "VM", description = "VM names, ids or unique id prefixes.")
    private List<String> vms;

    PauseCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    abstract boolean pause();

    @Override
    public Integer call() throws InterruptedException {
        Engine engine = Jvmm.engine();
        return eachVm(vms, ref -> engine.pause(ref, pause()));
    }

    @Command(name = "pause", description = "Pause the vCPUs of running microVMs.")
    static final class Pause extends PauseCommand {
        Pause(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        boolean pause() {
            return true;
        }
    }

    @Command(name = "unpause", description = "Resume the vCPUs of paused microVMs.")
    static final class Unpause extends PauseCommand {
        Unpause(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        boolean pause() {
            return false;
        }
    }
}
