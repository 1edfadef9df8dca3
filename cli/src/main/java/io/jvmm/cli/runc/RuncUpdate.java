package io.jvmm.cli.runc;

import io.jvmm.agent.ContainerLimits;
import io.jvmm.runc.BundleException;
import io.jvmm.runc.BundleReader;
import io.jvmm.runc.OciLinux;
import io.jvmm.runc.ResourceLimits;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.state.ByteSize;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code runc update}: new memory, CPU and pids limits for a container's cgroup in its VM, from
 * {@code --resources} (a {@code linux.resources} object, podman's {@code podman update} and containerd
 * send it on stdin) and the flags, which win. What neither gives keeps its value, as in runc.
 */
@Command(name = "update", description = "Change a container's memory, CPU and pids limits.")
final class RuncUpdate extends RuncSubcommand {
    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Option(
            names = {"-r", "--resources"},
            paramLabel = "FILE|-",
            description = "A linux.resources JSON object, from FILE or stdin ('-').")
    String resources;

    @Option(names = "--memory", paramLabel = "BYTES", description = "Memory limit (bytes, or 512m, 1g; -1 for none).")
    String memory;

    @Option(names = "--cpu-quota", paramLabel = "US", description = "CPU time per period (microseconds; -1 for none).")
    Long cpuQuota;

    @Option(names = "--cpu-period", paramLabel = "US", description = "The CPU period (microseconds).")
    Long cpuPeriod;

    @Option(names = "--pids-limit", paramLabel = "N", description = "Most processes (-1 for none).")
    Long pidsLimit;

    private final InputStream in;

    RuncUpdate(PrintStream out, InputStream in, PrintStream err) {
        super(out, err);
        this.in = in;
    }

    @Override
    int run(OciContainers containers, RuncLog log) throws InterruptedException {
        OciLinux.Resources update = withFlags(resources == null ? OciLinux.Resources.NONE : read());
        Pod pod = containers.get(id);
        switch (containers.state(pod).status()) {
            case "created", "running" -> {}
            case "paused" -> throw new RuncException("cannot update a paused container: its VM's vCPUs are stopped");
            default -> throw new RuncException("container not running");
        }
        Container c = OciContainers.container(pod);
        ContainerLimits limits = ResourceLimits.merged(c.record().limits(), update);
        log.debug("update " + id + ": " + limits);
        c.update(limits);
        return 0;
    }

    private OciLinux.Resources read() {
        try {
            byte[] json = resources.equals("-") ? in.readAllBytes() : Files.readAllBytes(Path.of(resources));
            return BundleReader.parseResources(json);
        } catch (NoSuchFileException e) {
            throw new RuncException("resources " + resources + ": no such file");
        } catch (IOException e) {
            throw new RuncException("resources " + resources + ": " + e.getMessage());
        }
    }

    /** {@code r} with the flags given put over it. */
    private OciLinux.Resources withFlags(OciLinux.Resources r) {
        OciLinux.Memory m = r.memory();
        if (memory != null) m = new OciLinux.Memory(memory.equals("-1") ? -1L : bytes(memory));
        OciLinux.Cpu c = r.cpu();
        if (cpuQuota != null || cpuPeriod != null) {
            OciLinux.Cpu base = c == null ? new OciLinux.Cpu(null, null, null, null) : c;
            c = new OciLinux.Cpu(
                    base.shares(),
                    cpuQuota != null ? cpuQuota : base.quota(),
                    cpuPeriod != null ? cpuPeriod : base.period(),
                    base.cpus());
        }
        OciLinux.Pids p = pidsLimit != null ? new OciLinux.Pids(pidsLimit) : r.pids();
        return new OciLinux.Resources(m, c, p);
    }

    private static long bytes(String v) {
        try {
            return ByteSize.parse(v);
        } catch (IllegalArgumentException e) {
            throw new BundleException("--memory: " + e.getMessage());
        }
    }
}
