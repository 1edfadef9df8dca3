package io.jvmm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.Ports;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.pod.PodConfig;
import io.jvmm.runtime.pod.PodStatus;
import io.jvmm.runtime.pod.Pods;
import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.runtime.state.MountSpecs;
import io.jvmm.runtime.state.StateJson;
import io.jvmm.runtime.state.VmRecord;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jvmm pod create|start|stop|restart|rm|inspect|ls|status}, as podman's: a pod is one VM whose
 * containers ({@code jvmm run --pod}) share its network, ports and binds. Register with
 * {@link #commandLine}, which adds the subcommands.
 */
@Command(
        name = "pod",
        usageHelpAutoWidth = true,
        description = {"Manage pods: one microVM holding several containers ('jvmm run --pod POD ...')."})
final class PodCommand extends CliCommand {
    @Spec
    CommandSpec spec;

    private PodCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    static CommandLine commandLine(PrintStream out, InputStream in, PrintStream err) {
        return new CommandLine(new PodCommand(out, in, err))
                .addSubcommand(new CommandLine(new Create(out, in, err)))
                .addSubcommand(new CommandLine(new Start(out, in, err)))
                .addSubcommand(new CommandLine(new Stop(out, in, err)))
                .addSubcommand(new CommandLine(new Restart(out, in, err)))
                .addSubcommand(new CommandLine(new Rm(out, in, err)))
                .addSubcommand(new CommandLine(new Inspect(out, in, err)))
                .addSubcommand(new CommandLine(new Ls(out, in, err)))
                .addSubcommand(new CommandLine(new Status(out, in, err)));
    }

    /** {@code jvmm pod} alone: its usage, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(err);
        return CliException.USAGE;
    }

    static Pods pods(PrintStream progress) {
        return Jvmm.engine().pods(progress);
    }

    @Command(
            name = "create",
            sortOptions = false,
            description =
                    "Create a pod without starting it; prints its id. Its containers share its network, ports and binds.")
    static final class Create extends CliCommand {
        @Option(names = "--name", paramLabel = "NAME", description = "Name of the pod (default: random).")
        String name;

        @Option(names = "--cpus", paramLabel = "N", description = "vCPUs (default 1).")
        int cpus = 1;

        @Option(
                names = {"-m", "--memory"},
                paramLabel = "MIB",
                description = "Guest RAM in MiB, shared by the containers (default 256).")
        long memoryMib = 256;

        @Option(
                names = {"-p", "--publish"},
                paramLabel = "HOST:GUEST[/udp]",
                description = "Forward a host port to the pod (repeatable).")
        List<String> ports = new ArrayList<>();

        @Option(
                names = {"-v", "--volume"},
                paramLabel = "SOURCE:/path[:ro]",
                description = {
                    "A host directory (through virtio-fs) or named volume in the pod (repeatable);",
                    "a container's directory root (--rootfs DIR) must lie in one of the directories."
                })
        List<String> volumes = new ArrayList<>();

        @Option(
                names = "--mount",
                paramLabel = "type=bind,source=DIR,target=/path[,readonly]",
                description = "Mount a host directory or named volume, docker's keys (repeatable).")
        List<String> mountFlags = new ArrayList<>();

        @Option(
                names = "--network",
                paramLabel = "ns:PATH",
                description = {
                    "Join the network namespace at PATH (podman's ns:PATH, as CNI or netavark made it): the",
                    "pod's VM takes over its interface, MAC, address and route (default: passt)."
                })
        String network;

        @Mixin
        ConfigOptions config = new ConfigOptions();

        Create(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() {
            if (!config.fileEnv().isEmpty())
                throw CliException.usage("--env-file is for a container: give it to 'jvmm run --pod'");
            Engine engine = Jvmm.engine();
            PodConfig.Builder b = PodConfig.builder()
                    .name(name)
                    .cpus(cpus)
                    .memoryMib(memoryMib)
                    .hostname(config.hostname());
            for (String p : ports) b.publish(Ports.checkedForward(p));
            if (network != null) b.networkNamespace(networkNamespace(network));
            MountSpecs specs = new MountSpecs(engine.volumes(), Path.of("").toAbsolutePath());
            List<VmRecord.Mount> mounts = new ArrayList<>();
            for (String v : volumes) mounts.add(specs.volumeFlag(v));
            for (String m : mountFlags) mounts.add(specs.mountFlag(m));
            MountSpecs.checkDistinctTargets(mounts);
            mounts.forEach(b::mount);
            config.labels().forEach(b::label);
            out.println(engine.pods(err).create(b.build()).id());
            return 0;
        }

        /** podman's {@code ns:PATH}; the path must be an existing file (a namespace bind-mounted there). */
        private static Path networkNamespace(String spec) {
            if (!spec.startsWith("ns:") || spec.length() == 3)
                throw CliException.usage("--network: expected ns:PATH (a network namespace), got \"" + spec + "\"");
            Path p = Path.of(spec.substring(3)).toAbsolutePath();
            if (!Files.exists(p)) throw CliException.usage("--network: " + p + " does not exist");
            return p;
        }
    }

    @Command(name = "start", description = "Start pods: boot each one's VM and start its containers.")
    static final class Start extends CliCommand {
        @Option(
                names = "--ready-timeout",
                paramLabel = "SECONDS",
                description = "How long the guest may take to be ready (default 30, or 300 on kvm_pvm hosts).")
        Integer readyTimeout;

        @Parameters(arity = "1..*", paramLabel = "POD")
        List<String> refs;

        Start(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() throws InterruptedException {
            Pods pods = pods(err);
            return eachVm(refs, ref -> pods.get(ref).start(readyTimeout));
        }
    }

    @Command(
            name = "stop",
            description = "Stop pods: SIGTERM to their containers, SIGKILL after the grace period, then power off.")
    static final class Stop extends CliCommand {
        @Mixin
        GraceOption grace = new GraceOption();

        @Parameters(arity = "1..*", paramLabel = "POD")
        List<String> refs;

        Stop(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() throws InterruptedException {
            int seconds = grace.seconds();
            Pods pods = pods(err);
            return eachVm(refs, ref -> pods.get(ref).stop(seconds));
        }
    }

    @Command(name = "restart", description = "Stop pods if they run, then start them again.")
    static final class Restart extends CliCommand {
        @Mixin
        GraceOption grace = new GraceOption();

        @Parameters(arity = "1..*", paramLabel = "POD")
        List<String> refs;

        Restart(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() throws InterruptedException {
            int seconds = grace.seconds();
            Pods pods = pods(err);
            return eachVm(refs, ref -> {
                Pod p = pods.get(ref);
                p.stop(seconds);
                p.start(null);
            });
        }
    }

    @Command(name = "rm", description = "Remove pods with their containers; a running pod only with -f (killed).")
    static final class Rm extends CliCommand {
        @Option(
                names = {"-f", "--force"},
                description = "Kill a running pod first.")
        boolean force;

        @Parameters(arity = "1..*", paramLabel = "POD")
        List<String> refs;

        Rm(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() throws InterruptedException {
            Pods pods = pods(err);
            return eachVm(refs, ref -> pods.get(ref).delete(force));
        }
    }

    @Command(name = "inspect", description = "Show pods as JSON: their configuration, state and containers.")
    static final class Inspect extends CliCommand {
        @Parameters(arity = "1..*", paramLabel = "POD")
        List<String> refs;

        Inspect(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() throws InterruptedException, JsonProcessingException {
            Pods pods = pods(err);
            List<Object> shown = new ArrayList<>();
            int status = 0;
            for (String ref : refs) {
                try {
                    Pod p = pods.get(ref);
                    shown.add(json(p.record(), p.status()));
                } catch (EngineException e) {
                    err.println("jvmm: " + e.getMessage());
                    status = e.status();
                }
            }
            out.println(StateJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(shown));
            out.flush();
            return status;
        }

        private static Map<String, Object> json(VmRecord r, PodStatus s) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("Id", r.id());
            m.put("Name", r.name());
            m.put("Created", r.created() == null ? null : r.created().toString());
            m.put("State", state(s));
            m.put("Pid", s.pid());
            m.put("StartedAt", s.startedAt() == null ? null : s.startedAt().toString());
            m.put("Hypervisor", s.hypervisor());
            m.put("Agent", s.agent());
            m.put("Hostname", r.hostname() != null ? r.hostname() : r.shortId());
            m.put("Cpus", r.cpus());
            m.put("MemoryMiB", r.memoryMib());
            m.put("Ports", r.ports());
            List<Map<String, Object>> mounts = new ArrayList<>();
            for (VmRecord.Mount v : r.volumes()) {
                Map<String, Object> mm = new LinkedHashMap<>();
                mm.put("Type", v.bind() ? "bind" : v.named() ? "volume" : "file");
                mm.put("Source", v.source());
                mm.put("Destination", v.target());
                mm.put("RW", !v.readOnly());
                mounts.add(mm);
            }
            m.put("Mounts", mounts);
            m.put("Labels", r.labels());
            List<Map<String, Object>> containers = new ArrayList<>();
            for (ContainerRecord c : s.containers()) {
                Map<String, Object> cm = new LinkedHashMap<>();
                cm.put("Id", c.id());
                cm.put("Name", c.name());
                cm.put("State", state(c, s.paused()));
                cm.put("ExitCode", c.state().exitCode());
                cm.put(
                        "Image",
                        c.imageRef() != null
                                ? Images.familiar(c.imageRef())
                                : c.root().source());
                cm.put("Command", c.command());
                containers.add(cm);
            }
            m.put("Containers", containers);
            return m;
        }
    }

    @Command(
            name = "ls",
            aliases = {"ps", "list"},
            description = "List pods.")
    static final class Ls extends CliCommand {
        @Mixin
        ListOptions list = new ListOptions();

        Ls(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() throws InterruptedException, JsonProcessingException {
            boolean json = list.json();
            Instant now = Instant.now();
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"POD ID", "NAME", "STATUS", "CREATED", "# OF CONTAINERS"});
            for (Pod p : pods(err).list()) {
                VmRecord r = p.record();
                String id = list.noTrunc ? r.id() : r.shortId();
                if (list.quiet) {
                    out.println(id);
                    continue;
                }
                int count = p.containers().size();
                String state = state(p.status());
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("Id", id);
                    m.put("Name", r.name());
                    m.put("Status", state);
                    m.put("Created", r.created() == null ? null : r.created().toString());
                    m.put("Containers", count);
                    m.put("Labels", r.labels());
                    out.println(StateJson.mapper().writeValueAsString(m));
                } else {
                    rows.add(new String[] {id, r.name(), state, PsCommand.ago(r.created(), now), Integer.toString(count)
                    });
                }
            }
            if (!list.quiet && !json) Table.print(out, rows);
            out.flush();
            return 0;
        }
    }

    @Command(name = "status", description = "Show a pod's state and its containers' (as virtc does).")
    static final class Status extends CliCommand {
        @Parameters(index = "0", paramLabel = "POD")
        String ref;

        Status(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() throws InterruptedException {
            PodStatus s = pods(err).get(ref).status();
            List<String[]> pod = new ArrayList<>();
            pod.add(new String[] {"POD ID", "STATE", "HYPERVISOR", "AGENT"});
            pod.add(new String[] {s.id(), state(s), s.hypervisor(), s.agent().isEmpty() ? "-" : s.agent()});
            Table.print(out, pod);
            out.println();
            List<String[]> containers = new ArrayList<>();
            containers.add(new String[] {"CONTAINER ID", "NAME", "STATE", "EXIT CODE"});
            for (ContainerRecord c : s.containers()) {
                Integer code = c.state().exitCode();
                containers.add(
                        new String[] {c.id(), c.name(), state(c, s.paused()), code == null ? "" : code.toString()});
            }
            Table.print(out, containers);
            return 0;
        }
    }

    /** The pod's state: created, running, paused or exited. */
    static String state(PodStatus s) {
        return s.paused() ? "paused" : s.state().name().toLowerCase(Locale.ROOT);
    }

    /** A container's state; a running one is paused with its pod. */
    static String state(ContainerRecord c, boolean podPaused) {
        ContainerRecord.Status s = c.state().status();
        return podPaused && s == ContainerRecord.Status.RUNNING
                ? "paused"
                : s.name().toLowerCase(Locale.ROOT);
    }
}
