package io.jvmm.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.state.AutoRemoval;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
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

    @Option(
            names = {"-q", "--quiet"},
            description = "Print only VM ids.")
    boolean quiet;

    @Option(
            names = "--format",
            paramLabel = "table|json",
            description = "table (default) or json: one JSON object per line.")
    String format = "table";

    @Option(names = "--no-trunc", description = "Do not truncate ids and commands.")
    boolean noTrunc;

    @Option(
            names = {"-f", "--filter"},
            paramLabel = "KEY=VALUE",
            description =
                    "Only VMs that match (repeatable, all must): label=KEY or label=KEY=VALUE, name=NAME, status=STATUS.")
    List<String> filters = new ArrayList<>();

    PsCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() {
        if (!format.equals("table") && !format.equals("json")) {
            throw CliException.usage("--format: expected table or json, got \"" + format + "\"");
        }
        try {
            VmStore store = new VmStore(StateDirs.fromEnvironment());
            Instant now = Instant.now();
            List<VmRecord> shown = new ArrayList<>();
            for (String f : filters) matches(f, null); // checks them before anything is listed
            for (VmRecord r : store.list()) {
                if (AutoRemoval.ifProcessGone(store, r)) continue;
                VmRecord fresh = store.refresh(r);
                if (!all && VmStore.effectiveStatus(fresh) != VmRecord.Status.RUNNING) continue;
                if (filters.stream().allMatch(f -> matches(f, fresh))) shown.add(fresh);
            }
            // A record that cannot be read may belong to a live VM: always shown, so rm -f can remove it.
            List<VmStore.Broken> broken = store.broken();
            if (quiet) {
                for (VmRecord r : shown) out.println(noTrunc ? r.id() : r.shortId());
                for (VmStore.Broken b : broken) out.println(noTrunc ? b.id() : b.shortId());
            } else if (format.equals("json")) {
                for (VmRecord r : shown) out.println(StateJson.mapper().writeValueAsString(json(r, now)));
                for (VmStore.Broken b : broken) out.println(StateJson.mapper().writeValueAsString(json(b)));
            } else {
                table(shown, broken, now);
            }
            out.flush();
            return 0;
        } catch (EngineException e) {
            throw cli(e);
        } catch (JsonProcessingException e) {
            throw CliException.runtime("cannot write JSON: " + e.getOriginalMessage());
        }
    }

    /** Whether {@code r} passes {@code filter}; with {@code r} null, only checks the filter (a usage error). */
    private static boolean matches(String filter, VmRecord r) {
        int eq = filter.indexOf('=');
        String key = eq < 0 ? filter : filter.substring(0, eq);
        String value = eq < 0 ? "" : filter.substring(eq + 1);
        if (eq < 0 || value.isEmpty() || !List.of("label", "name", "status").contains(key))
            throw CliException.usage("--filter " + filter + ": expected label=KEY[=VALUE], name=NAME or status=STATUS");
        if (r == null) return true;
        return switch (key) {
            case "label" -> {
                int veq = value.indexOf('=');
                String k = veq < 0 ? value : value.substring(0, veq);
                yield r.labels().containsKey(k) && (veq < 0 || r.labels().get(k).equals(value.substring(veq + 1)));
            }
            case "name" -> r.name().contains(value);
            default -> VmStore.effectiveStatus(r).name().equalsIgnoreCase(value);
        };
    }

    private void table(List<VmRecord> rows, List<VmStore.Broken> broken, Instant now) {
        List<String[]> cells = new ArrayList<>();
        cells.add(new String[] {"VM ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"});
        for (VmRecord r : rows) {
            cells.add(new String[] {
                noTrunc ? r.id() : r.shortId(),
                imageColumn(r),
                "\"" + (noTrunc ? commandLine(r.command()) : truncate(commandLine(r.command()), 20)) + "\"",
                ago(r.created(), now),
                status(r, now, noTrunc),
                ports(r),
                r.name(),
            });
        }
        for (VmStore.Broken b : broken) {
            cells.add(new String[] {noTrunc ? b.id() : b.shortId(), "?", "\"\"", "?", brokenStatus(b), "", "?"});
        }
        int[] width = new int[7];
        for (String[] row : cells) for (int i = 0; i < 7; i++) width[i] = Math.max(width[i], row[i].length());
        for (String[] row : cells) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < 7; i++) {
                line.append(row[i]);
                if (i < 6) line.append(" ".repeat(width[i] - row[i].length() + 3));
            }
            out.println(line.toString().stripTrailing());
        }
    }

    static String brokenStatus(VmStore.Broken b) {
        return "Broken (" + b.problem() + "; jvmm rm -f removes it)";
    }

    private Map<String, Object> json(VmStore.Broken b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", noTrunc ? b.id() : b.shortId());
        m.put("State", "broken");
        m.put("Status", brokenStatus(b));
        m.put("Error", b.problem());
        m.put("FullID", b.id());
        return m;
    }

    private Map<String, Object> json(VmRecord r, Instant now) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", noTrunc ? r.id() : r.shortId());
        m.put("Names", r.name());
        m.put("Image", r.imageRef() != null ? Images.familiar(r.imageRef()) : r.image());
        if (r.imageId() != null) m.put("ImageID", r.imageId());
        m.put("Command", "\"" + commandLine(r.command()) + "\"");
        m.put("CreatedAt", r.created() == null ? null : r.created().toString());
        m.put("RunningFor", ago(r.created(), now));
        m.put("State", VmStore.effectiveStatus(r).name().toLowerCase(Locale.ROOT));
        m.put("Status", status(r, now, true));
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
