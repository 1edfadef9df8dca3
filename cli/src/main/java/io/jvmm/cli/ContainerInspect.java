package io.jvmm.cli;

import io.jvmm.agent.ContainerLimits;
import io.jvmm.agent.ContainerMount;
import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.runtime.state.VmRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A container of a pod as {@code docker inspect} shows a container: Id, Name, Created, Path, Args, State,
 * Image, Config, HostConfig (its cgroup limits in the guest), Mounts, and podman's Pod (the pod's id).
 */
final class ContainerInspect {
    private ContainerInspect() {}

    static Map<String, Object> json(ContainerRecord c, VmRecord pod, boolean paused) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", c.id());
        m.put("Name", "/" + c.name());
        m.put("Created", InspectCommand.time(c.created()));
        m.put("Path", c.command().isEmpty() ? "" : c.command().getFirst());
        m.put(
                "Args",
                c.command().isEmpty()
                        ? List.of()
                        : c.command().subList(1, c.command().size()));
        m.put("State", state(c.state(), paused));
        m.put("Image", c.imageId() != null ? c.imageId() : c.root().source());
        m.put("Pod", pod.id());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Hostname", c.hostname().isEmpty() ? c.name() : c.hostname());
        config.put("User", c.user() == null ? "" : c.user());
        config.put("Tty", c.tty());
        config.put("OpenStdin", c.stdin());
        config.put("Env", c.env());
        config.put("Cmd", c.command());
        config.put(
                "Image",
                c.imageRef() != null ? Images.familiar(c.imageRef()) : c.root().source());
        config.put("WorkingDir", c.workdir() == null ? "" : c.workdir());
        config.put("Labels", c.labels());
        m.put("Config", config);
        ContainerLimits l = c.limits();
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("Memory", l.memoryBytes());
        long period = l.cpuQuotaMicros() == 0 ? 0 : l.cpuPeriodMicros() == 0 ? 100_000 : l.cpuPeriodMicros();
        host.put("NanoCpus", period == 0 ? 0 : l.cpuQuotaMicros() * 1_000_000_000L / period);
        host.put("CpuQuota", l.cpuQuotaMicros());
        host.put("CpuPeriod", period);
        host.put("PidsLimit", l.pids());
        host.put("ReadonlyRootfs", c.readOnlyRoot());
        m.put("HostConfig", host);
        List<Object> mounts = new ArrayList<>();
        for (ContainerMount cm : c.mounts()) {
            Map<String, Object> mount = new LinkedHashMap<>();
            mount.put("Type", cm.type());
            mount.put("Source", cm.source());
            mount.put("Destination", cm.destination());
            mount.put("RW", !cm.readOnly());
            mounts.add(mount);
        }
        m.put("Mounts", mounts);
        return m;
    }

    private static Map<String, Object> state(ContainerRecord.State s, boolean paused) {
        Map<String, Object> m = new LinkedHashMap<>();
        boolean running = s.status() == ContainerRecord.Status.RUNNING;
        m.put("Status", paused && running ? "paused" : s.status().name().toLowerCase(Locale.ROOT));
        m.put("Running", running);
        m.put("Paused", paused && running);
        m.put("OOMKilled", s.oomKilled());
        m.put("ExitCode", s.exitCode() == null ? 0 : s.exitCode());
        m.put("Error", s.error() == null ? "" : s.error());
        m.put("StartedAt", InspectCommand.time(s.startedAt()));
        m.put("FinishedAt", InspectCommand.time(s.finishedAt()));
        return m;
    }
}
