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

    @Command(name = "list", aliases = "ps", description = "List the containers of this root.")
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
            int[] width = new int[6];
            for (String[] r : rows) for (int i = 0; i < 6; i++) width[i] = Math.max(width[i], r[i].length() + 3);
            StringBuilder b = new StringBuilder();
            for (String[] r : rows) {
                StringBuilder line = new StringBuilder();
                for (int i = 0; i < 6; i++) {
                    line.append(r[i]);
                    if (i < 5) line.append(" ".repeat(Math.max(12, width[i]) - r[i].length()));
                }
                b.append(line.toString().stripTrailing()).append('\n');
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
