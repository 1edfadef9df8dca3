package io.jvmm.cli;

import io.jvmm.cli.state.ProcessInfo;
import io.jvmm.cli.state.StateDirs;
import io.jvmm.cli.state.StateException;
import io.jvmm.cli.state.VmRecord;
import io.jvmm.cli.state.VmStore;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm rm [-f] VM...}: deletes VMs (record, logs, sockets). A running VM is refused unless
 * {@code -f}, which SIGKILLs its VM process and whatever that process started, waits for them, then
 * deletes. Prints each VM as given, like docker; an error for one VM does not stop the others.
 */
@Command(name = "rm", sortOptions = false, usageHelpAutoWidth = true,
        description = "Remove VMs: their record, logs and sockets. A running VM needs -f (killed first).")
final class RmCommand extends CliCommand {
    /** How long to wait for a killed process to disappear. */
    static final Duration KILL_WAIT = Duration.ofSeconds(10);
    /** How long an exited VM's process may still take to finish on its own before it is killed. */
    static final Duration EXIT_GRACE = Duration.ofSeconds(2);

    @Option(names = {"-f", "--force"}, description = "Kill a running VM (SIGKILL) before removing it.")
    boolean force;
    @Parameters(arity = "1..*", paramLabel = "VM", description = "VM names, ids or unique id prefixes.")
    List<String> refs;

    RmCommand(PrintStream out, InputStream in, PrintStream err) { super(out, in, err); }

    @Override
    public Integer call() {
        VmStore store;
        try {
            store = new VmStore(StateDirs.fromEnvironment());
        } catch (StateException e) {
            throw PsCommand.cli(e);
        }
        int status = 0;
        for (String ref : refs) {
            try {
                removeOne(store, ref);
                out.println(ref);
            } catch (StateException e) {
                err.println("jvmm: " + e.getMessage());
                status = e.status();
            }
        }
        out.flush();
        return status;
    }

    private void removeOne(VmStore store, String ref) {
        store.withLock(() -> {
            VmRecord r;
            try {
                r = store.resolve(ref);
            } catch (StateException e) {
                VmStore.Broken b = store.findBroken(ref).orElseThrow(() -> e);
                removeBroken(store, b);
                return null;
            }
            VmRecord.State s = r.state();
            ProcessInfo.Id vmProcess = new ProcessInfo.Id(s.pid(), s.pidStartTime());
            if (VmStore.processAlive(r)) {
                boolean exiting = s.status() == VmRecord.Status.EXITED;
                if (!exiting && !force) {
                    throw StateException.runtime("VM " + r.name() + " is running; stop it first or use 'jvmm rm -f'");
                }
                // An exited VM's process may be finishing its logs: let it, briefly.
                if (exiting) ProcessInfo.waitForExit(vmProcess, EXIT_GRACE);
                if (!ProcessInfo.killTree(vmProcess, KILL_WAIT)) {
                    throw StateException.runtime("cannot kill the VM process of " + r.name() + " (pid " + s.pid()
                            + "); nothing was removed");
                }
            }
            store.remove(r.id());
            return null;
        });
    }

    /**
     * A VM whose record cannot be read: its process (if any) is found by the id on its command line,
     * since the record that held its pid is gone. Needs -f, as a running VM does.
     */
    private void removeBroken(VmStore store, VmStore.Broken b) {
        if (!force) {
            throw StateException.runtime("VM " + b.shortId() + " has a broken record (" + b.problem() + "); remove it with 'jvmm rm -f "
                    + b.shortId() + "' (its VM process, if one runs, is killed)");
        }
        for (ProcessInfo.Id p : ProcessInfo.withArguments(VmLaunch.VM_PROCESS_COMMAND, b.id())) {
            if (!ProcessInfo.killTree(p, KILL_WAIT)) {
                throw StateException.runtime("cannot kill the VM process of " + b.shortId() + " (pid " + p.pid() + "); nothing was removed");
            }
        }
        store.remove(b.id());
    }
}
