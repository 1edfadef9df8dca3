package io.jvmm.cli.runc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.jvmm.runc.BundleReader;
import io.jvmm.runc.FeaturesDocument;
import io.jvmm.runc.SpecTemplate;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.StateJson;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runc state}, {@code list}, {@code features} and {@code spec}: what reads state or writes documents. */
final class RuncQuery {
    private RuncQuery() {}

    @Command(name = "state", description = "Print a container's state (JSON).")
    static final class State extends RuncSubcommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        State(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        int run(OciContainers containers, RuncLog log) throws InterruptedException {
            out.println(containers.state(containers.get(id)).text());
            return 0;
        }
    }

    @Command(name = "list", description = "List the containers of this root.")
    static final class List extends RuncSubcommand {
        @Option(
                names = {"-f", "--format"},
                paramLabel = "table|json",
                description = "table (default) or json.")
        String format = "table";

        @Option(
                names = {"-q", "--quiet"},
                description = "Only the ids.")
        boolean quiet;

        List(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        int run(OciContainers containers, RuncLog log) throws InterruptedException {
            if (!format.equals("table") && !format.equals("json")) throw new RuncException("invalid format option");
            java.util.List<OciState> states = new ArrayList<>();
            for (Pod p : containers.all()) states.add(containers.state(p));
            if (quiet) {
                states.forEach(s -> out.println(s.id()));
            } else if (format.equals("json")) {
                ArrayNode a = StateJson.mapper().createArrayNode();
                states.forEach(s -> a.add(s.json()));
                try {
                    out.println(StateJson.mapper().writeValueAsString(a));
                } catch (JsonProcessingException e) {
                    throw new IllegalStateException(e);
                }
            } else {
                out.print(table(states));
            }
            return 0;
        }

        /** runc's table: columns at least 12 wide, three spaces apart. */
        static String table(java.util.List<OciState> states) {
            java.util.List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"});
            for (OciState s : states)
                rows.add(new String[] {
                    s.id(),
                    Long.toString(s.pid()),
                    s.status(),
                    s.bundle(),
                    s.created() == null ? "" : s.created().toString(),
                    s.owner()
                });
            return columns(rows, 12);
        }

        /** Rows as runc's tables lay them out: each column as wide as its widest cell plus three, at least {@code min}. */
        static String columns(java.util.List<String[]> rows, int min) {
            int n = rows.getFirst().length;
            int[] width = new int[n];
            for (String[] r : rows) for (int i = 0; i < n; i++) width[i] = Math.max(width[i], r[i].length() + 3);
            StringBuilder b = new StringBuilder();
            for (String[] r : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    line.append(r[i]);
                    if (i < n - 1) line.append(" ".repeat(Math.max(min, width[i]) - r[i].length()));
                }
                b.append(line.toString().stripTrailing()).append('\n');
            }
            return b.toString();
        }
    }

    /**
     * {@code runc ps}: the container's processes as host pids, the host processes that stand for the guest
     * processes: create's waiter (the init) and the waiters of detached execs, which a caller can signal and
     * match to its execs. JSON is the array of pids containerd's runc shim reads; the table is runc's,
     * {@code ps(1)} run with the given options (default {@code -ef}) and cut to those pids. The guest's
     * own view of its processes is {@code exec ID ps}.
     */
    @Command(name = "ps", description = "List the host processes that stand for a container's processes.")
    static final class Ps extends RuncSubcommand {
        @Option(
                names = {"-f", "--format"},
                paramLabel = "table|json",
                description = "table (default, ps(1)'s lines) or json (the pids).")
        String format = "table";

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Parameters(
                index = "1..*",
                paramLabel = "PS_OPTIONS",
                description = "ps(1)'s options for the table (default -ef).")
        java.util.List<String> psOptions = new ArrayList<>();

        Ps(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        int run(OciContainers containers, RuncLog log) throws InterruptedException {
            if (!format.equals("table") && !format.equals("json")) throw new RuncException("invalid format option");
            Pod pod = containers.get(id);
            java.util.List<Long> pids = new ArrayList<>();
            if (!containers.state(pod).status().equals("stopped")) {
                OciContainers.Extra e = containers.extra(pod);
                if (OciContainers.waiterAlive(e)) pids.add(e.waiterPid());
                containers.execWaiters(pod).forEach(w -> pids.add(w.pid()));
            }
            if (format.equals("json")) {
                ArrayNode a = StateJson.mapper().createArrayNode();
                pids.forEach(a::add);
                out.println(a);
                return 0;
            }
            out.print(table(ps(psOptions.isEmpty() ? java.util.List.of("-ef") : psOptions), pids));
            return 0;
        }

        /** ps(1)'s output with {@code options}. */
        private static String ps(java.util.List<String> options) throws InterruptedException {
            java.util.List<String> argv = new ArrayList<>(java.util.List.of("ps"));
            argv.addAll(options);
            try {
                Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
                p.getOutputStream().close();
                String text = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                if (p.waitFor() != 0)
                    throw new RuncException(String.join(" ", argv) + ": "
                            + text.lines().findFirst().orElse("exit status " + p.exitValue()));
                return text;
            } catch (IOException e) {
                throw new RuncException("cannot run ps: " + e.getMessage());
            }
        }

        /** runc's cut of ps(1)'s output: its header, then the lines whose PID column holds one of {@code pids}. */
        static String table(String psOutput, java.util.List<Long> pids) {
            java.util.List<String> lines = psOutput.lines().toList();
            if (lines.isEmpty()) throw new RuncException("couldn't find PID field in ps output");
            int column = java.util.Arrays.asList(lines.getFirst().trim().split("\\s+"))
                    .indexOf("PID");
            if (column < 0) throw new RuncException("couldn't find PID field in ps output");
            StringBuilder b = new StringBuilder(lines.getFirst()).append('\n');
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                if (f.length > column && f[column].matches("[0-9]+") && pids.contains(Long.parseLong(f[column])))
                    b.append(line).append('\n');
            }
            return b.toString();
        }
    }

    @Command(name = "features", description = "Print the OCI features document (JSON).")
    static final class Features extends RuncSubcommand {
        Features(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        int run(OciContainers containers, RuncLog log) {
            out.println(FeaturesDocument.json(RuncCommand.jvmmVersion()));
            return 0;
        }
    }

    @Command(name = "spec", description = "Write a default config.json (a shell in ./rootfs) to the bundle.")
    static final class Spec extends RuncSubcommand {
        @Option(
                names = {"-b", "--bundle"},
                paramLabel = "DIR",
                description = "Where to write config.json (default: the current directory).")
        Path bundle = Path.of("");

        @Option(names = "--rootless", description = "Accepted and ignored: the same spec serves both.")
        boolean rootless;

        Spec(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        int run(OciContainers containers, RuncLog log) {
            Path config = bundle.toAbsolutePath().normalize().resolve(BundleReader.CONFIG);
            if (Files.exists(config))
                throw new RuncException("File " + BundleReader.CONFIG + " exists. Remove it first");
            try {
                Files.writeString(config, SpecTemplate.json());
            } catch (IOException e) {
                throw new RuncException("cannot write " + config + ": " + StateDirs.describe(e));
            }
            return 0;
        }
    }
}
