package io.jvmm.cli;

import io.jvmm.agent.ContainerLimits;
import io.jvmm.runtime.Engine;
import io.jvmm.runtime.state.ByteSize;
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
 * {@code jvmm update}: changes a VM's I/O limits, or the cgroup limits of a container of a pod, as
 * {@code docker update} changes a container's resources. A running VM gets its limits at once (through
 * its control socket); the record keeps them for {@code ps --format json} and for a restore of a
 * snapshot taken later. A container's limits not given stay as they were.
 */
@Command(
        name = "update",
        description = "Change the disk and network rate limits of microVMs, or the memory, CPU and pids limits of"
                + " containers of a pod, running or not.")
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

    @Option(
            names = {"-m", "--memory"},
            paramLabel = "SIZE",
            description = "A container's memory limit (512m, 1g; 0 for none); more kills it as out of memory.")
    private String memory;

    @Option(names = "--cpus", paramLabel = "N", description = "A container's CPU limit (1.5; 0 for none).")
    private Double cpus;

    @Option(names = "--pids-limit", paramLabel = "N", description = "A container's process limit (0 or -1 for none).")
    private Long pids;

    @Parameters(
            arity = "1..*",
            paramLabel = "VM|CONTAINER",
            description = "VM or pod container names, ids or unique id prefixes.")
    private List<String> vms;

    UpdateCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws Exception {
        boolean io = disk != null || netRx != null || netTx != null;
        boolean cgroup = memory != null || cpus != null || pids != null;
        if (!io && !cgroup)
            throw CliException.usage("nothing to update: give --disk-limit, --net-rx-limit, --net-tx-limit (VMs) or"
                    + " --memory, --cpus, --pids-limit (containers of a pod)");
        try {
            new LimitOptions(disk, netRx, netTx); // checks every value before any VM changes
            if (cgroup) containerLimits(ContainerLimits.NONE);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        StateDirs dirs = StateDirs.fromEnvironment();
        VmStore store = new VmStore(dirs);
        Engine engine = Jvmm.engine();
        return eachVmOrContainer(
                engine,
                vms,
                ref -> {
                    if (cgroup)
                        throw CliException.usage(ref + ": --memory, --cpus and --pids-limit are limits of a"
                                + " container of a pod; a VM's memory and vCPUs are fixed when it starts");
                    update(store, dirs, store.resolve(ref));
                },
                c -> {
                    if (io)
                        throw CliException.usage(c.name() + ": disk and network limits belong to its pod's VM: jvmm"
                                + " update ... " + c.pod().name());
                    if (engine.paused(c.pod().record()))
                        throw CliException.runtime(
                                c.name() + ": its pod " + c.pod().name() + " is paused; unpause it first");
                    try {
                        c.update(containerLimits(c.record().limits()));
                    } catch (IllegalArgumentException e) {
                        throw CliException.usage(c.name() + ": " + e.getMessage());
                    }
                });
    }

    /** {@code current} with what was given changed (docker update's rule). */
    private ContainerLimits containerLimits(ContainerLimits current) {
        ContainerLimits l = current;
        if (memory != null) l = l.withMemory(ByteSize.parse(memory));
        if (cpus != null) {
            if (cpus < 0 || cpus > 64 || cpus.isNaN())
                throw new IllegalArgumentException("--cpus must be 0..64, got " + cpus);
            l = cpus == 0 ? new ContainerLimits(l.memoryBytes(), 0, 0, l.pids()) : l.withCpus(cpus);
        }
        if (pids != null) {
            if (pids < -1 || pids > 0xffffffffL)
                throw new IllegalArgumentException("--pids-limit must be -1..4294967295, got " + pids);
            l = l.withPids(Math.max(pids, 0));
        }
        return l;
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
