package io.jvmm.cli;

import io.jvmm.runtime.Engine;
import io.jvmm.runtime.RunningVm;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.state.ContainerRecord;
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
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm attach}: the workload's live output here and this terminal's input to its stdin (when
 * it was started with -i). Ctrl+] detaches and leaves the VM running, as in krata. A container of a pod
 * is attached the same way ({@link ContainerConsole}), and attach then ends with its exit status.
 */
@Command(
        name = "attach",
        description = "Attach to a running microVM's workload or a pod's container (Ctrl+] detaches).")
final class AttachCommand extends CliCommand {
    /** Ctrl+]. */
    static final int DETACH_KEY = 0x1d;

    @Parameters(
            index = "0",
            paramLabel = "VM",
            description = "VM name, id or unique id prefix, or a container of a pod.")
    private String vm;

    AttachCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws Exception {
        Engine engine = Jvmm.engine();
        Optional<Container> container = ContainerTargets.find(engine, err, vm);
        if (container.isPresent()) return attach(container.get());
        RunningVm running = engine.running(vm);
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

    private int attach(Container c) throws InterruptedException {
        ContainerRecord r = c.status();
        if (r.state().status() != ContainerRecord.Status.RUNNING)
            throw CliException.runtime("container " + c.name() + " is not running");
        boolean input = r.stdin() || r.tty();
        try (Terminal t = r.tty() ? Terminal.raw() : null) {
            int status = new ContainerConsole(c, out, err)
                    .follow(in, input ? ContainerConsole.Input.DETACHABLE : ContainerConsole.Input.NONE, false);
            return status == ContainerConsole.DETACHED ? 0 : status;
        }
    }
}
