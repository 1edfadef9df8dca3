package io.jvmm.cli;

import io.jvmm.runtime.state.LimitOptions;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import io.jvmm.runtime.vmproc.ControlClient;
import io.jvmm.runtime.vmproc.ControlProtocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm update}: changes a VM's I/O limits, as {@code docker update} changes a container's
 * resources. A running VM gets them at once (through its control socket); the record keeps them for
 * {@code ps --format json} and for a restore of a snapshot taken later.
 */
@Command(name = "update", description = "Change the disk and network rate limits of microVMs, running or not.")
final class UpdateCommand extends CliCommand {
    @Option(names = "--disk-limit", paramLabel = "bw=SIZE,ops=N|none", description = "Each drive's limit, per second.")
    private String disk;

    @Option(
            names = "--net-rx-limit",
            paramLabel = "bw=SIZE,ops=N|none",
            description = "What the guest receives, per second.")
    private String netRx;

    @Option(
            names = "--net-tx-limit",
            paramLabel = "bw=SIZE,ops=N|none",
            description = "What the guest sends, per second.")
    private String netTx;

    @Parameters(arity = "1..*", paramLabel = "VM", description = "VM names, ids or unique id prefixes.")
    private List<String> vms;

    UpdateCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws Exception {
        if (disk == null && netRx == null && netTx == null)
            throw CliException.usage("nothing to update: give --disk-limit, --net-rx-limit or --net-tx-limit");
        try {
            new LimitOptions(disk, netRx, netTx); // checks every value before any VM changes
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        StateDirs dirs = StateDirs.fromEnvironment();
        VmStore store = new VmStore(dirs);
        return eachVm(vms, ref -> update(store, dirs, store.resolve(ref)));
    }

    private void update(VmStore store, StateDirs dirs, VmRecord r) {
        if (VmStore.effectiveStatus(r) == VmRecord.Status.RUNNING) {
            ControlClient control = new ControlClient(dirs.controlSocket(r.id()));
            String[][] changes = {{"disk", disk}, {"net-rx", netRx}, {"net-tx", netTx}};
            for (String[] c : changes) {
                if (c[1] == null) continue;
                try {
                    control.request(ControlProtocol.LIMIT + " " + c[0] + " " + c[1])
                            .close();
                } catch (IOException e) {
                    throw CliException.runtime(r.name() + ": " + c[0] + " limit: " + e.getMessage());
                }
            }
        }
        store.update(r.id(), x -> x.withLimits(x.limits().with(disk, netRx, netTx)));
    }
}
