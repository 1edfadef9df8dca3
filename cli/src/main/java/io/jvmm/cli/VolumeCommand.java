package io.jvmm.cli;

import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.StateJson;
import io.jvmm.runtime.state.VmStore;
import io.jvmm.runtime.state.VolumeStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jvmm volume create|ls|inspect|rm|prune}: named ext4 volumes for {@code jvmm run -v NAME:/path}.
 * Register with {@link #commandLine}, which adds the subcommands.
 */
@Command(
        name = "volume",
        usageHelpAutoWidth = true,
        description = {"Manage volumes: ext4 disk images under $JVMM_HOME, attached with 'jvmm run -v NAME:/path'."})
final class VolumeCommand extends CliCommand {
    @Spec
    CommandSpec spec;

    private VolumeCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    /** {@code jvmm volume} with its subcommands, ready for {@code addSubcommand}. */
    static CommandLine commandLine(PrintStream out, InputStream in, PrintStream err) {
        return new CommandLine(new VolumeCommand(out, in, err))
                .addSubcommand(new CommandLine(new Create(out, in, err)))
                .addSubcommand(new CommandLine(new Ls(out, in, err)))
                .addSubcommand(new CommandLine(new Inspect(out, in, err)))
                .addSubcommand(new CommandLine(new Rm(out, in, err)))
                .addSubcommand(new CommandLine(new Prune(out, in, err)));
    }

    /** {@code jvmm volume} alone: its usage, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(err);
        return CliException.USAGE;
    }

    private static VolumeStore store() {
        StateDirs dirs = StateDirs.fromEnvironment();
        return new VolumeStore(dirs, new VmStore(dirs));
    }

    /** "1024", "512M", "2G", "1T" (MiB when no unit) → MiB. */
    static long parseSizeMib(String s) {
        String t = s.strip().toUpperCase(Locale.ROOT);
        if (t.endsWith("IB")) t = t.substring(0, t.length() - 2);
        else if (t.endsWith("B")) t = t.substring(0, t.length() - 1);
        long mult = 1;
        if (!t.isEmpty()) {
            switch (t.charAt(t.length() - 1)) {
                case 'M' -> t = t.substring(0, t.length() - 1);
                case 'G' -> {
                    mult = 1024;
                    t = t.substring(0, t.length() - 1);
                }
                case 'T' -> {
                    mult = 1024 * 1024;
                    t = t.substring(0, t.length() - 1);
                }
                default -> {}
            }
        }
        try {
            long v = Long.parseLong(t);
            if (v <= 0) throw new NumberFormatException();
            return Math.multiplyExact(v, mult);
        } catch (NumberFormatException | ArithmeticException e) {
            throw CliException.usage("--size: expected a size in MiB such as 1024, 512M or 2G, got \"" + s + "\"");
        }
    }

    @Command(
            name = "create",
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = "Create a volume: a sparse raw image with an ext4 file system (needs mkfs.ext4, e2fsprogs).")
    static final class Create extends CliCommand {
        @Option(
                names = "--size",
                paramLabel = "MIB",
                description = "Size in MiB, or with a unit: 512M, 2G (default 1024).")
        String size;

        @Parameters(index = "0", paramLabel = "NAME", description = "[a-zA-Z0-9][a-zA-Z0-9_.-]*")
        String name;

        Create(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() {
            long mib = size == null ? VolumeStore.DEFAULT_SIZE_MIB : parseSizeMib(size);
            try {
                VolumeStore.checkName(name);
                out.println(store().create(name, mib).name());
                return 0;
            } catch (EngineException e) {
                throw PsCommand.cli(e);
            }
        }
    }

    @Command(
            name = "ls",
            aliases = "list",
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = "List volumes.")
    static final class Ls extends CliCommand {
        @Option(
                names = {"-q", "--quiet"},
                description = "Print only volume names.")
        boolean quiet;

        Ls(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() {
            List<VolumeStore.Volume> vols;
            try {
                vols = store().list();
            } catch (EngineException e) {
                throw PsCommand.cli(e);
            }
            if (quiet) {
                for (VolumeStore.Volume v : vols) out.println(v.name());
                return 0;
            }
            int w = "VOLUME NAME".length();
            for (VolumeStore.Volume v : vols) w = Math.max(w, v.name().length());
            String fmt = "%-" + (VolumeStore.DRIVER.length() + 3) + "s%-" + (w + 3) + "s%s%n";
            out.printf(fmt, "DRIVER", "VOLUME NAME", "SIZE");
            for (VolumeStore.Volume v : vols) out.printf(fmt, VolumeStore.DRIVER, v.name(), v.sizeMib() + "MiB");
            out.flush();
            return 0;
        }
    }

    @Command(
            name = "inspect",
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = "Show volumes as JSON (Name, CreatedAt, Mountpoint = the image file, Size in bytes, Driver).")
    static final class Inspect extends CliCommand {
        @Parameters(arity = "1..*", paramLabel = "NAME")
        List<String> names;

        Inspect(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() throws IOException {
            VolumeStore store;
            try {
                store = store();
            } catch (EngineException e) {
                throw PsCommand.cli(e);
            }
            List<Map<String, Object>> found = new ArrayList<>();
            int status = 0;
            for (String n : names) {
                try {
                    found.add(store.inspect(VolumeStore.checkName(n)));
                } catch (EngineException e) {
                    err.println("jvmm: " + e.getMessage());
                    status = e.status();
                }
            }
            out.println(StateJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(found));
            out.flush();
            return status;
        }
    }

    @Command(
            name = "rm",
            aliases = "remove",
            sortOptions = false,
            usageHelpAutoWidth = true,
            description =
                    "Remove volumes. A volume used by a running VM, or whose image another process has locked, is refused.")
    static final class Rm extends CliCommand {
        @Parameters(arity = "1..*", paramLabel = "NAME")
        List<String> names;

        Rm(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() {
            VolumeStore store;
            try {
                store = store();
            } catch (EngineException e) {
                throw PsCommand.cli(e);
            }
            int status = 0;
            for (String n : names) {
                try {
                    store.remove(n);
                    out.println(n);
                } catch (EngineException e) {
                    err.println("jvmm: " + e.getMessage());
                    status = e.status();
                }
            }
            out.flush();
            return status;
        }
    }

    @Command(
            name = "prune",
            sortOptions = false,
            usageHelpAutoWidth = true,
            description = {
                "Remove every volume no VM uses (no VM record names it, running or not).",
                "Asks for confirmation (reads y from stdin) unless -f."
            })
    static final class Prune extends CliCommand {
        @Option(
                names = {"-f", "--force"},
                description = "Do not prompt for confirmation.")
        boolean force;

        Prune(PrintStream out, InputStream in, PrintStream err) {
            super(out, in, err);
        }

        @Override
        public Integer call() throws IOException {
            if (!force
                    && !Confirmation.ask(
                            out,
                            in,
                            err,
                            "This will remove all volumes not used by at least one VM.",
                            "volume prune")) {
                return CliException.RUNTIME;
            }
            List<String> removed;
            try {
                removed = store().prune();
            } catch (EngineException e) {
                throw PsCommand.cli(e);
            }
            if (!removed.isEmpty()) {
                out.println("Deleted Volumes:");
                for (String n : removed) out.println(n);
            }
            out.flush();
            return 0;
        }

        /** One line, byte by byte so nothing after it is consumed. */
    }
}
