package io.jvmm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.pod.PodStatus;
import io.jvmm.runtime.state.AutoRemoval;
import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.StateJson;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jvmm ps}: the VMs, as a table like docker's, their ids, or JSON lines. */
@Command(
        name = "ps",
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "List VMs: the running ones, or all of them with -a.",
            "State lives under $JVMM_HOME (see cli/README.md, \"State and lifecycle\")."
        })
final class PsCommand extends CliCommand {
    @Option(
            names = {"-a", "--all"},
            description = "Show all VMs, not only running ones.")
    boolean all;

    @Mixin
    ListOptions list = new ListOptions();

    @Option(
            names = {"-f", "--filter"},
            paramLabel = "KEY=VALUE",
            description =
                    "Only VMs that match (repeatable, all must): label=KEY or label=KEY=VALUE, name=NAME, status=STATUS.")
    List<String> filters = new ArrayList<>();

    /** The ids of the listed VMs whose vCPUs are paused. */
    private Set<String> paused = Set.of();

    PsCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() {
        boolean json = list.json();
        boolean quiet = list.quiet;
        try {
            VmStore store = new VmStore(StateDirs.fromEnvironment());
            Instant now = Instant.now();
            List<VmRecord> shown = new ArrayList<>();
            for (String f : filters) checkFilter(f); // before anything is listed
            boolean byStatus = filters.stream().anyMatch(f -> f.startsWith("status="));
            Engine engine = quiet && !byStatus ? null : Jvmm.engine();
            Set<String> pausedVms = new HashSet<>();
            List<ContainerRow> containers = new ArrayList<>();
            for (VmRecord r : store.list()) {
                if (AutoRemoval.ifProcessGone(store, r)) continue;
                VmRecord fresh = store.refresh(r);
                if (fresh.pod()) {
                    containers.addAll(containerRows(fresh));
                    continue;
                }
                VmRecord.Status status = VmStore.effectiveStatus(fresh);
                if (!all && status != VmRecord.Status.RUNNING) continue;
                // Whether it is paused costs a round trip to the VM process: asked only of running VMs
                // that the other filters let through, and only when it is shown or filtered on.
                boolean isPaused = engine != null
                        && status == VmRecord.Status.RUNNING
                        && filters.stream()
                                .filter(f -> !f.startsWith("status="))
                                .allMatch(f -> matches(f, fresh.labels(), fresh.name(), ""))
                        && engine.paused(fresh);
                if (isPaused) pausedVms.add(fresh.id());
                String state = isPaused ? "paused" : status.name().toLowerCase(Locale.ROOT);
                if (filters.stream().allMatch(f -> matches(f, fresh.labels(), fresh.name(), state))) shown.add(fresh);
            }
            paused = pausedVms;
            // A record that cannot be read may belong to a live VM: always shown, so rm -f can remove it.
            List<VmStore.Broken> broken = store.broken();
            if (quiet) {
                for (VmRecord r : shown) out.println(list.noTrunc ? r.id() : r.shortId());
                for (ContainerRow c : containers) out.println(list.noTrunc ? c.c().id() : c.c().shortId());
                for (VmStore.Broken b : broken) out.println(list.noTrunc ? b.id() : b.shortId());
            } else if (json) {
                for (VmRecord r : shown) out.println(StateJson.mapper().writeValueAsString(json(r, now)));
                for (ContainerRow c : containers) out.println(StateJson.mapper().writeValueAsString(json(c, now)));
                for (VmStore.Broken b : broken) out.println(StateJson.mapper().writeValueAsString(json(b)));
            } else {
                table(shown, containers, broken, now);
            }
            out.flush();
            return 0;
        } catch (EngineException e) {
            throw cli(e);
        } catch (JsonProcessingException e) {
            throw CliException.runtime("cannot write JSON: " + e.getOriginalMessage());
        }
    }

    /** docker's container states, the values {@code --filter status=} accepts. */
    private static final List<String> STATES =
            List.of("created", "restarting", "running", "removing", "paused", "exited", "dead");

    /** A usage error for a filter ps does not know. */
    private static void checkFilter(String filter) {
        int eq = filter.indexOf('=');
        String key = eq < 0 ? filter : filter.substring(0, eq);
        String value = eq < 0 ? "" : filter.substring(eq + 1);
        if (eq < 0 || value.isEmpty() || !List.of("label", "name", "status").contains(key))
            throw CliException.usage("--filter " + filter + ": expected label=KEY[=VALUE], name=NAME or status=STATUS");
        if (key.equals("status") && !STATES.contains(value))
            throw CliException.usage("--filter " + filter + ": the status is one of " + String.join(", ", STATES));
    }

    /** Whether a VM or container with these labels, name and state (docker's words) passes {@code filter}. */
    private static boolean matches(String filter, Map<String, String> labels, String name, String state) {
        int eq = filter.indexOf('=');
        String value = filter.substring(eq + 1);
        return switch (filter.substring(0, eq)) {
            case "label" -> {
                int veq = value.indexOf('=');
                String k = veq < 0 ? value : value.substring(0, veq);
                yield labels.containsKey(k) && (veq < 0 || labels.get(k).equals(value.substring(veq + 1)));
            }
            case "name" -> name.contains(value);
            default -> state.equals(value);
        };
    }

    /** A container of a pod, as ps shows it: its record with the state its pod's agent gave, and whether the pod is paused. */
    private record ContainerRow(ContainerRecord c, VmRecord pod, boolean paused) {
        /** A running container of a paused pod: docker's "(Paused)". */
        String pausedSuffix() {
            return PsCommand.pausedSuffix(paused && c.state().status() == ContainerRecord.Status.RUNNING);
        }
    }

    /** The containers of {@code pod} that pass -a and the filters, their states from its agent while it runs. */
    private List<ContainerRow> containerRows(VmRecord pod) {
        List<ContainerRow> rows = new ArrayList<>();
        try {
            PodStatus s = Jvmm.engine().pods(err).get(pod.id()).status();
            for (ContainerRecord c : s.containers()) {
                if (!all && c.state().status() != ContainerRecord.Status.RUNNING) continue;
                String state = PodCommand.state(c, s.paused());
                if (filters.stream().allMatch(f -> matches(f, c.labels(), c.name(), state)))
                    rows.add(new ContainerRow(c, pod, s.paused()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return rows;
    }

    /** "Up 3 seconds", "Exited (0) 2 minutes ago", "Created", as for a VM. */
    private static String status(ContainerRecord c, Instant now) {
        ContainerRecord.State s = c.state();
        return switch (s.status()) {
            case CREATED -> "Created";
            case RUNNING -> "Up " + HumanDuration.of(between(s.startedAt() != null ? s.startedAt() : c.created(), now));
            case EXITED ->
                ("Exited " + (s.exitCode() != null ? "(" + s.exitCode() + ")" : "")).strip()
                        + (s.finishedAt() == null ? "" : " " + ago(s.finishedAt(), now));
        };
    }

    private static String image(ContainerRecord c) {
        return c.imageRef() != null
                ? Images.familiar(c.imageRef())
                : fileName(c.root().source());
    }

    private Map<String, Object> json(ContainerRow row, Instant now) {
        ContainerRecord c = row.c();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", list.noTrunc ? c.id() : c.shortId());
        m.put("Names", c.name());
        m.put("Image", image(c));
        if (c.imageId() != null) m.put("ImageID", c.imageId());
        m.put("Command", "\"" + commandLine(c.command()) + "\"");
        m.put("CreatedAt", c.created() == null ? null : c.created().toString());
        m.put("RunningFor", ago(c.created(), now));
        m.put("State", PodCommand.state(c, row.paused()));
        m.put("Status", status(c, now) + row.pausedSuffix());
        m.put("ExitCode", c.state().exitCode());
        m.put("Ports", ports(row.pod()));
        m.put("Pod", row.pod().shortId());
        m.put("PodName", row.pod().name());
        m.put("FullID", c.id());
        return m;
    }

    private void table(List<VmRecord> rows, List<ContainerRow> containers, List<VmStore.Broken> broken, Instant now) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"VM ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES", "POD"});
        for (VmRecord r : rows) {
            cells.add(new String[] {
                list.noTrunc ? r.id() : r.shortId(),
                imageColumn(r),
                "\"" + (list.noTrunc ? commandLine(r.command()) : truncate(commandLine(r.command()), 20)) + "\"",
                ago(r.created(), now),
                status(r, now, list.noTrunc) + pausedSuffix(paused.contains(r.id())),
                ports(r),
                r.name(),
                "",
            });
        }
        for (ContainerRow row : containers) {
            ContainerRecord c = row.c();
            cells.add(new String[] {
                list.noTrunc ? c.id() : c.shortId(),
                image(c),
                "\"" + (list.noTrunc ? commandLine(c.command()) : truncate(commandLine(c.command()), 20)) + "\"",
                ago(c.created(), now),
                status(c, now) + row.pausedSuffix(),
                ports(row.pod()),
                c.name(),
                row.pod().name(),
            });
        }
        for (VmStore.Broken b : broken) {
            cells.add(
                    new String[] {list.noTrunc ? b.id() : b.shortId(), "?", "\"\"", "?", brokenStatus(b), "", "?", ""});
        }
        // The POD column only when a container of a pod is shown: plain VMs keep docker's seven columns.
        if (containers.isEmpty()) cells.replaceAll(row -> Arrays.copyOf(row, 7));
        Table.print(out, cells);
    }

    /** docker's mark on the status of a paused container. */
    private static String pausedSuffix(boolean paused) {
        return paused ? " (Paused)" : "";
    }

    static String brokenStatus(VmStore.Broken b) {
        return "Broken (" + b.problem() + "; jvmm rm -f removes it)";
    }

    private Map<String, Object> json(VmStore.Broken b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", list.noTrunc ? b.id() : b.shortId());
        m.put("State", "broken");
        m.put("Status", brokenStatus(b));
        m.put("Error", b.problem());
        m.put("FullID", b.id());
        return m;
    }

    private Map<String, Object> json(VmRecord r, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", list.noTrunc ? r.id() : r.shortId());
        m.put("Names", r.name());
        m.put("Image", r.imageRef() != null ? Images.familiar(r.imageRef()) : r.image());
        if (r.imageId() != null) m.put("ImageID", r.imageId());
        m.put("Command", "\"" + commandLine(r.command()) + "\"");
        m.put("CreatedAt", r.created() == null ? null : r.created().toString());
        m.put("RunningFor", ago(r.created(), now));
        m.put(
                "State",
                paused.contains(r.id())
                        ? "paused"
                        : VmStore.effectiveStatus(r).name().toLowerCase(Locale.ROOT));
        m.put("Status", status(r, now, true) + pausedSuffix(paused.contains(r.id())));
        m.put("ExitCode", r.state().exitCode());
        m.put("Error", r.state().error());
        m.put("Pid", r.state().pid());
        m.put("Ports", ports(r));
        m.put(
                "Mounts",
                r.volumes().stream()
                        .map(v -> v.named() || v.bind() ? v.source() : fileName(v.source()))
                        .collect(Collectors.joining(",")));
        m.put("FullID", r.id());
        return m;
    }

    /** "Up 3 seconds", "Exited (0) 2 minutes ago", "Exited (the VM process died)", "Created". */
    static String status(VmRecord r, Instant now, boolean full) {
        VmRecord.State s = r.state();
        return switch (VmStore.effectiveStatus(r)) {
            case CREATED -> "Created";
            case RUNNING -> "Up " + HumanDuration.of(between(s.startedAt() != null ? s.startedAt() : r.created(), now));
            case EXITED -> {
                String why;
                if (s.exitCode() != null) why = "(" + s.exitCode() + ")";
                else if (s.error() != null) why = "(" + (full ? s.error() : truncate(s.error(), 40)) + ")";
                else why = "";
                boolean died = s.exitCode() == null && VmStore.DIED.equals(s.error());
                String when = s.finishedAt() == null || died ? "" : " " + ago(s.finishedAt(), now);
                yield ("Exited " + why).strip() + when;
            }
        };
    }

    static String ago(Instant t, Instant now) {
        return t == null ? "" : HumanDuration.of(between(t, now)) + " ago";
    }

    private static Duration between(Instant from, Instant to) {
        Duration d = Duration.between(from, to);
        return d.isNegative() ? Duration.ZERO : d;
    }

    static String ports(VmRecord r) {
        return r.ports().stream()
                .map(p -> {
                    boolean udp = p.endsWith("/udp");
                    String hg = udp ? p.substring(0, p.length() - 4) : p;
                    int colon = hg.indexOf(':');
                    if (colon < 0) return p;
                    return "0.0.0.0:" + hg.substring(0, colon) + "->" + hg.substring(colon + 1)
                            + (udp ? "/udp" : "/tcp");
                })
                .collect(Collectors.joining(", "));
    }

    /** argv as a shell would read it back: words with spaces or quotes in single quotes. */
    static String commandLine(List<String> argv) {
        return argv.stream()
                .map(a -> a.isEmpty() || !a.matches("[A-Za-z0-9_@%+=:,./-]+") ? "'" + a.replace("'", "'\\''") + "'" : a)
                .collect(Collectors.joining(" "));
    }

    static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }

    /** The image reference a VM was started from (docker's short form), else its root image file's name. */
    static String imageColumn(VmRecord r) {
        if (r.imageRef() != null) return Images.familiar(r.imageRef());
        return r.image() == null ? "" : fileName(r.image());
    }

    private static String fileName(String path) {
        Path f = Path.of(path).getFileName();
        return f == null ? path : f.toString();
    }

    /** The one-line error for a state error, with its status. */
    static CliException cli(EngineException e) {
        return new CliException(e.status(), e.getMessage());
    }

    /** Docker's HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks". */
    static final class HumanDuration {
        private HumanDuration() {}

        static String of(Duration d) {
            long seconds = d.toSeconds();
            if (seconds < 1) return "Less than a second";
            if (seconds == 1) return "1 second";
            if (seconds < 60) return seconds + " seconds";
            long minutes = d.toMinutes();
            if (minutes == 1) return "About a minute";
            if (minutes < 60) return minutes + " minutes";
            long hours = Math.round(d.toSeconds() / 3600.0);
            if (hours == 1) return "About an hour";
            if (hours < 48) return hours + " hours";
            if (hours < 24 * 7 * 2) return hours / 24 + " days";
            if (hours < 24 * 30 * 2) return hours / 24 / 7 + " weeks";
            if (hours < 24 * 365 * 2) return hours / 24 / 30 + " months";
            return hours / 24 / 365 + " years";
        }
    }
}
