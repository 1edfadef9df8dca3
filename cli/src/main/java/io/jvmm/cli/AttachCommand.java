package io.jvmm.cli;

import io.jvmm.runtime.RunningVm;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.vmproc.ControlClient;
import io.jvmm.runtime.vmproc.ControlProtocol;
import io.jvmm.runtime.vmproc.WorkloadLog;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.channels.AsynchronousCloseException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm attach}: the workload's live output here and this terminal's input to its stdin (when
 * it was started with -i). Ctrl+] detaches and leaves the VM running, as in krata.
 */
@Command(name = "attach", description = "Attach to a running microVM's workload (Ctrl+] detaches).")
final class AttachCommand extends CliCommand {
    /** Ctrl+]. */
    static final int DETACH_KEY = 0x1d;

    @Parameters(index = "0", paramLabel = "VM", description = "VM name, id or unique id prefix.")
    private String vm;

    AttachCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws Exception {
        RunningVm running = Jvmm.engine().running(vm);
        VmRecord r = running.record();
        ControlClient.Connection c;
        try {
            c = running.control().request(ControlProtocol.ATTACH);
        } catch (IOException e) {
            throw CliException.runtime("attach to " + r.name() + ": " + e.getMessage());
        }
        try (c;
                Terminal t = r.tty() ? Terminal.raw() : null) {
            Thread input = Thread.ofPlatform().daemon().name("attach-stdin").start(() -> {
                try {
                    OutputStream o = c.output();
                    int b;
                    while ((b = in.read()) >= 0) {
                        if (b == DETACH_KEY) break;
                        o.write(b);
                        if (in.available() == 0) o.flush();
                    }
                    c.close(); // detach: the VM goes on
                } catch (IOException ignored) {
                    // The VM ended.
                }
            });
            try {
                WorkloadLog.copyRecords(c.input(), out, err);
            } catch (EOFException | AsynchronousCloseException e) {
                // The VM ended or we detached.
            } catch (IOException e) {
                if (input.isAlive()) throw CliException.runtime("attach to " + r.name() + ": " + e.getMessage());
            }
        }
        return 0;
    }
}
