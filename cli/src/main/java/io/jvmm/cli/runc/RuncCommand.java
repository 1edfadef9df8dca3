package io.jvmm.cli.runc;

import io.jvmm.cli.Jvmm;
import io.jvmm.runc.SpecTemplate;
import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EntryPoint;
import io.jvmm.runtime.state.StateDirs;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jvmm runc ...}, also run as {@code jvmm-runc}: jvmm as a runc-compatible OCI runtime, one pod
 * (one VM) per container (docs/oci-runtime.md). The global flags podman, CRI-O and containerd pass come
 * before the subcommand; those that mean nothing for a VM are accepted and ignored.
 */
@Command(
        name = "runc",
        usageHelpAutoWidth = true,
        versionProvider = RuncCommand.Version.class,
        description = {"jvmm as an OCI runtime (runc's command line): one microVM per container."})
public final class RuncCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(
            names = "--root",
            paramLabel = "DIR",
            description = "Where the containers' state lives (default: jvmm's state directories).")
    Path root;

    @Option(names = "--log", paramLabel = "FILE", description = "Also append errors (and debug lines) to FILE.")
    Path log;

    @Option(names = "--log-format", paramLabel = "text|json", description = "The log's format (default text).")
    String logFormat = "text";

    @Option(names = "--debug", description = "Write debug lines to the log.")
    boolean debug;

    @Option(names = "--systemd-cgroup", description = "Accepted and ignored: the container's cgroups are the guest's.")
    boolean systemdCgroup;

    @Option(
            names = "--rootless",
            paramLabel = "true|false|auto",
            arity = "0..1",
            fallbackValue = "true",
            description = "Accepted and ignored.")
    String rootless;

    @Option(names = "--cgroup-manager", paramLabel = "MANAGER", description = "Accepted and ignored.")
    String cgroupManager;

    @Option(
            names = {"-v", "--version"},
            versionHelp = true,
            description = "Print the version and exit.")
    boolean version;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help and exit.")
    boolean help;

    private final PrintStream err;

    private RuncCommand(PrintStream err) {
        this.err = err;
    }

    /** The command with its subcommands, for {@link Jvmm}'s registry. */
    public static CommandLine commandLine(PrintStream out, InputStream in, PrintStream err) {
        return new CommandLine(new RuncCommand(err))
                .addSubcommand(new CommandLine(new RuncCreate(out, in, err)))
                .addSubcommand(new CommandLine(new RuncLifecycle.Start(out, err)))
                .addSubcommand(new CommandLine(new RuncQuery.State(out, err)))
                .addSubcommand(new CommandLine(new RuncLifecycle.Kill(out, err)))
                .addSubcommand(new CommandLine(new RuncLifecycle.Delete(out, err)))
                .addSubcommand(new CommandLine(new RuncQuery.List(out, err)))
                .addSubcommand(new CommandLine(new RuncQuery.Features(out, err)))
                .addSubcommand(new CommandLine(new RuncQuery.Spec(out, err)))
                .addSubcommand(new CommandLine(new RuncExec(out, in, err)).setStopAtPositional(true))
                .addSubcommand(new CommandLine(new RuncQuery.Ps(out, err)).setStopAtPositional(true))
                .addSubcommand(new CommandLine(new RuncLifecycle.Pause(out, err)))
                .addSubcommand(new CommandLine(new RuncLifecycle.Resume(out, err)))
                .addSubcommand(new CommandLine(new RuncUpdate(out, in, err)))
                .addSubcommand(new CommandLine(new RuncWaiter(out, in, err)));
    }

    /** {@code jvmm runc} alone: its usage, as an error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(err);
        return 1;
    }

    /** jvmm's version, as the jar names it. */
    static String jvmmVersion() {
        String v = RuncCommand.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** What {@code --version} prints: runc's first two lines (go-runc reads them), then what runs. */
    static String versionText() {
        return "runc version " + jvmmVersion() + "\nspec: " + SpecTemplate.OCI_VERSION + "\nruntime: jvmm "
                + jvmmVersion() + " (a microVM per container)";
    }

    RuncLog log() {
        return new RuncLog(err, log, RuncLog.Format.of(logFormat), debug);
    }

    /** The flags accepted for compatibility and ignored, as debug lines. */
    List<String> ignored() {
        List<String> lines = new ArrayList<>();
        if (systemdCgroup) lines.add("--systemd-cgroup ignored: the container's cgroups are its VM's own");
        if (rootless != null) lines.add("--rootless " + rootless + " ignored: the VM holds the container");
        if (cgroupManager != null)
            lines.add("--cgroup-manager " + cgroupManager + " ignored: the container's cgroups are its VM's own");
        return lines;
    }

    /**
     * The state directories of {@code --root DIR}: data in {@code DIR/lib}, sockets in {@code DIR/run}
     * (the layout of {@code JVMM_HOME}), so that callers with different roots do not see each other's
     * containers; without it, jvmm's own.
     */
    StateDirs dirs() {
        return root == null
                ? StateDirs.fromEnvironment()
                : new StateDirs(
                        Map.of("JVMM_HOME", root.toAbsolutePath().normalize().toString()));
    }

    /** The engine over {@link #dirs()}, whose VM processes start at jvmm's main. */
    Engine engine() {
        return new Engine(EntryPoint.of(Jvmm.class), dirs());
    }

    /** The version provider of the {@code --version} option. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return versionText().split("\n");
        }
    }
}
