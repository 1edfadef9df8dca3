package io.jvmm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.state.StateJson;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm inspect VM|CONTAINER...}: each VM's record as docker inspect shows a container's, a JSON
 * array of objects with docker's keys (Id, Name, Created, State, Config, HostConfig, Mounts,
 * NetworkSettings); a container of a pod as {@link ContainerInspect} shows it.
 */
@Command(name = "inspect", description = "Show microVMs' configuration and state as JSON, like docker inspect.")
final class InspectCommand extends CliCommand {
    @Parameters(
            arity = "1..*",
            paramLabel = "VM|CONTAINER",
            description = "VM or pod container names, ids or unique id prefixes.")
    private List<String> vms;

    InspectCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws JsonProcessingException, InterruptedException {
        Engine engine = Jvmm.engine();
        List<Object> found = new ArrayList<>();
        int status = 0;
        for (String ref : vms) {
            try {
                Optional<Container> c = ContainerTargets.find(engine, err, ref);
                if (c.isPresent()) {
                    VmRecord pod = c.get().pod().record();
                    found.add(ContainerInspect.json(c.get().status(), pod, engine.paused(pod)));
                    continue;
                }
                VmRecord r = engine.vms().refresh(engine.vms().resolve(ref));
                found.add(json(r, engine.paused(r)));
            } catch (EngineException e) {
                err.println("jvmm: " + e.getMessage());
                status = 1;
            }
        }
        out.println(StateJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(found));
        return status;
    }

    static Map<String, Object> json(VmRecord r, boolean paused) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", r.id());
        m.put("Name", "/" + r.name());
        m.put("Created", time(r.created()));
        m.put("Path", r.command().isEmpty() ? "" : r.command().getFirst());
        m.put(
                "Args",
                r.command().isEmpty()
                        ? List.of()
                        : r.command().subList(1, r.command().size()));
        m.put("State", state(r, paused));
        m.put("Image", r.imageId() != null ? r.imageId() : r.image());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Hostname", r.hostname() != null ? r.hostname() : r.shortId());
        config.put("User", r.user() == null ? "" : r.user());
        config.put("Tty", r.tty());
        config.put("OpenStdin", r.interactive());
        Map<String, Object> exposed = new LinkedHashMap<>();
        for (String p : r.exposedPorts()) exposed.put(p, Map.of());
        config.put("ExposedPorts", exposed);
        config.put("Env", r.env());
        config.put("Cmd", r.command());
        config.put("Image", r.imageRef() != null ? Images.familiar(r.imageRef()) : r.image());
        config.put("WorkingDir", r.workdir() == null ? "" : r.workdir());
        config.put("Labels", r.labels());
        m.put("Config", config);
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("NanoCpus", r.cpus() * 1_000_000_000L);
        host.put("Memory", r.memoryMib() * 1024 * 1024);
        host.put("AutoRemove", r.autoRemove());
        host.put("PortBindings", bindings(r));
        host.put("SecurityOpt", securityOpt(r));
        m.put("HostConfig", host);
        List<Object> mounts = new ArrayList<>();
        for (VmRecord.Mount v : r.volumes()) {
            Map<String, Object> mount = new LinkedHashMap<>();
            mount.put("Type", v.named() ? "volume" : "bind");
            if (v.named()) mount.put("Name", v.source());
            mount.put("Source", v.source());
            mount.put("Destination", v.target());
            mount.put("RW", !v.readOnly());
            mounts.add(mount);
        }
        m.put("Mounts", mounts);
        m.put("NetworkSettings", Map.of("Ports", bindings(r)));
        return m;
    }

    private static Map<String, Object> state(VmRecord r, boolean paused) {
        VmRecord.State s = r.state();
        VmRecord.Status status = VmStore.effectiveStatus(r);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Status", paused ? "paused" : status.name().toLowerCase(Locale.ROOT));
        m.put("Running", status == VmRecord.Status.RUNNING);
        m.put("Paused", paused);
        m.put("Pid", status == VmRecord.Status.RUNNING ? s.pid() : 0);
        m.put("ExitCode", s.exitCode() == null ? 0 : s.exitCode());
        m.put("Error", s.error() == null ? "" : s.error());
        m.put("StartedAt", time(s.startedAt()));
        m.put("FinishedAt", time(s.finishedAt()));
        return m;
    }

    /** docker's "80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080"}]. */
    private static Map<String, Object> bindings(VmRecord r) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (PortCommand.Published p : PortCommand.Published.of(r)) {
            m.put(p.guest(), List.of(Map.of("HostIp", "0.0.0.0", "HostPort", Integer.toString(p.hostPort()))));
        }
        return m;
    }

    private static List<String> securityOpt(VmRecord r) {
        List<String> opts = new ArrayList<>();
        if (!r.security().landlock()) opts.add("landlock=unconfined");
        if (!r.security().seccomp()) opts.add("seccomp=unconfined");
        if (r.security().dropsPrivileges())
            opts.add("vmm-user=" + r.security().uid() + ":" + r.security().gid());
        return opts;
    }

    /** docker's zero time for "never", else ISO-8601 UTC. */
    static String time(Instant t) {
        return t == null ? "0001-01-01T00:00:00Z" : t.toString();
    }
}
