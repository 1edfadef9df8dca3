package io.jvmm.cli;

import io.jvmm.cli.runc.RuncCommand;
import io.jvmm.cli.shim.ShimCommand;
import io.jvmm.image.ImageException;
import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.EntryPoint;
import io.jvmm.runtime.Host;
import io.jvmm.runtime.PrivateFiles;
import io.jvmm.runtime.boot.HacFile;
import java.io.Console;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The {@code jvmm} command. {@link #main} is the process entry point; {@link #run} is the same
 * thing with explicit streams and a returned status, for tests and embedding. Errors print as one
 * line, {@code jvmm: <what was wrong>}; exit status 125 means bad usage or configuration (and any error
 * of jvmm's own in a command that passes a workload's status through), 1 a runtime failure, anything
 * else is the guest's status (see cli/README.md).
 */
public final class Jvmm implements Callable<Integer> {
    private final PrintStream err;
    /** Built by hand rather than from annotations, for the reason given in BootCommand. */
    private final CommandSpec spec;

    /** Set by {@link #main}: the console stream is this process's stdout (so it may be a terminal). */
    private static volatile boolean realStdout;

    private Jvmm(PrintStream err) {
        this.err = err;
        this.spec = CommandSpec.wrapWithoutInspection(this).name("jvmm").versionProvider(new Version());
        spec.usageMessage().description("A microVM monitor in pure Java (KVM through java.lang.foreign).");
        spec.addOption(OptionSpec.builder("-h", "--help")
                .usageHelp(true)
                .description("Show this help message and exit.")
                .build());
        spec.addOption(OptionSpec.builder("-V", "--version")
                .versionHelp(true)
                .description("Print version information and exit.")
                .build());
    }

    /**
     * True when output goes to this process's stdout and that is a terminal (progress bars); false when
     * embedded ({@link #run} with other streams) or piped.
     */
    static boolean stdoutIsTerminal() {
        Console c = System.console();
        return realStdout && c != null && c.isTerminal();
    }

    /** Commands that create a VM in this process: they link the native calls while picocli parses. */
    private static final Set<String> CREATES_VM = Set.of("boot", "run", "start", "snapshot", EntryPoint.VM_PROCESS);

    /** The commands that create state (umask 077, {@link PrivateFiles}); the others only read it (or write where the user names). */
    private static final Set<String> WRITERS = Set.of(
            "run",
            "create",
            "start",
            "restart",
            "pod",
            "volume",
            "image",
            "pull",
            "snapshot",
            "runc",
            EntryPoint.VM_PROCESS);

    /**
     * The commands whose status is a workload's: any error of jvmm's own exits {@link CliException#OWN_ERROR}
     * there, so that it cannot be taken for the workload's 1 (docker run's rule).
     */
    private static final Set<String> PASS_WORKLOAD_STATUS = Set.of("run", "exec");

    /** How the engine starts this CLI again: {@code jvmm __vm-process ID} and the confined {@code jvmm boot}. */
    static final EntryPoint ENTRY = EntryPoint.of(Jvmm.class);

    /** The engine over the state this process's environment names. */
    static Engine engine() {
        return Engine.fromEnvironment(ENTRY);
    }

    public static void main(String[] args) {
        if (args.length > 0 && CREATES_VM.contains(args[0])) Host.prelinkInBackground();
        for (String a : args) {
            if (a.equals("--hac") || a.startsWith("--hac=")) {
                HacFile.preloadInBackground();
                break;
            }
        }
        // picocli probes for Groovy closures (a Class.forName that fails only after opening every jar
        // on the class path) and registers java.sql and java.time converters through reflection: ~12 ms
        // of every start (measured: CommandSpec.create() 10 -> 1 ms), for features jvmm does not use.
        if (System.getProperty("picocli.disable.closures") == null)
            System.setProperty("picocli.disable.closures", "true");
        if (System.getProperty("picocli.converters.excludes") == null)
            System.setProperty("picocli.converters.excludes", "java.sql.*,java.time.*");
        // The guest console is raw bytes: no PrintStream charset or line buffering in between.
        OutputStream console = new FileOutputStream(FileDescriptor.out);
        realStdout = true;
        int status = run(args, console, System.in, System.err);
        if (args.length > 0 && args[0].equals("boot")) {
            // boot has closed its VM and removed its only shutdown hook by now. System.exit would
            // still bootstrap System.Logger (JDK 21+ logs Runtime.exit at DEBUG), open the runtime
            // image and run the JDK's hooks: 6-8 ms of every boot's floor (measured), for nothing.
            System.out.flush();
            System.err.flush();
            Runtime.getRuntime().halt(status);
        }
        System.exit(status);
    }

    /**
     * Runs {@code jvmm args} with the guest console on {@code console} and {@code input}, messages on
     * {@code err}; returns the exit status. Help and version text go to {@code console}.
     */
    public static int run(String[] args, OutputStream console, InputStream input, PrintStream err) {
        // containerd's shim speaks Go's flag syntax, not picocli's: it parses its own arguments.
        if (args.length > 0 && args[0].equals(ShimCommand.NAME)) {
            PrivateFiles.restrictUmask();
            return ShimCommand.run(Arrays.copyOfRange(args, 1, args.length), ENTRY, console, err);
        }
        PrintStream out = console instanceof PrintStream ps ? ps : new PrintStream(console, true);
        // Subcommands by name, built on demand: picocli reads every annotated command at
        // registration, which costs start-up time on every run; only the one named is needed.
        Map<String, Supplier<CommandLine>> commands = new LinkedHashMap<>();
        commands.put("boot", () -> BootCommand.commandLine(out, input, err));
        // Options stop at the first positional, as docker's do: what follows the image or VM is the command.
        commands.put("run", () -> new CommandLine(new RunCommand(out, input, err)).setStopAtPositional(true));
        commands.put("exec", () -> new CommandLine(new ExecCommand(out, input, err)).setStopAtPositional(true));
        commands.put("create", () -> new CommandLine(new CreateCommand(out, input, err)).setStopAtPositional(true));
        commands.put("start", () -> new CommandLine(new StartCommand(out, input, err)));
        commands.put("restart", () -> new CommandLine(new RestartCommand(out, input, err)));
        commands.put("ps", () -> new CommandLine(new PsCommand(out, input, err)));
        commands.put("inspect", () -> new CommandLine(new InspectCommand(out, input, err)));
        commands.put("port", () -> new CommandLine(new PortCommand(out, input, err)));
        commands.put("top", () -> new CommandLine(new TopCommand(out, input, err)));
        commands.put("stats", () -> new CommandLine(new StatsCommand(out, input, err)));
        commands.put("cp", () -> new CommandLine(new CpCommand(out, input, err)));
        commands.put("logs", () -> new CommandLine(new LogsCommand(out, input, err)));
        commands.put("attach", () -> new CommandLine(new AttachCommand(out, input, err)));
        commands.put("stop", () -> new CommandLine(new StopCommand(out, input, err)));
        commands.put("kill", () -> new CommandLine(new KillCommand(out, input, err)));
        commands.put("wait", () -> new CommandLine(new WaitCommand(out, input, err)));
        commands.put("pause", () -> new CommandLine(new PauseCommand.Pause(out, input, err)));
        commands.put("unpause", () -> new CommandLine(new PauseCommand.Unpause(out, input, err)));
        commands.put("update", () -> new CommandLine(new UpdateCommand(out, input, err)));
        commands.put("rm", () -> new CommandLine(new RmCommand(out, input, err)));
        commands.put("pod", () -> PodCommand.commandLine(out, input, err));
        commands.put("volume", () -> VolumeCommand.commandLine(out, input, err));
        commands.put("image", () -> ImageCommand.commandLine(out, input, err));
        commands.put("pull", () -> ImageCommand.pullAlias(out, input, err));
        commands.put("snapshot", () -> SnapshotCommand.commandLine(out, input, err));
        commands.put("runc", () -> RuncCommand.commandLine(out, input, err));
        commands.put(EntryPoint.VM_PROCESS, () -> new CommandLine(new VmProcessCommand()));
        commands.put(AotTrainCommand.NAME, () -> new CommandLine(new AotTrainCommand()));
        commands.put(ContainerReaper.NAME, () -> new CommandLine(new ContainerReaper(err)));
        if (args.length > 0 && WRITERS.contains(args[0])) PrivateFiles.restrictUmask();
        CommandLine cl = new CommandLine(new Jvmm(err).spec);
        var named = args.length > 0 ? commands.get(args[0]) : null;
        if (named != null) cl.addSubcommand(named.get());
        else commands.values().forEach(c -> cl.addSubcommand(c.get())); // help, suggestions
        cl.setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .setParameterExceptionHandler((e, a) -> {
                    String hint = e.getCommandLine().getCommandSpec().qualifiedName() + " --help";
                    String suggestion = "";
                    if (e instanceof CommandLine.UnmatchedArgumentException u
                            && !u.getSuggestions().isEmpty()) {
                        suggestion = " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
                    }
                    err.println("jvmm: " + e.getMessage() + suggestion + "; see '" + hint + "'");
                    return CliException.USAGE;
                })
                .setExecutionExceptionHandler((e, c, p) -> {
                    int status = report(e, err);
                    return args.length > 0 && PASS_WORKLOAD_STATUS.contains(args[0]) ? CliException.OWN_ERROR : status;
                });
        return cl.execute(args);
    }

    /** Prints {@code e} as one line (a bug with its trace) and returns the status it maps to. */
    private static int report(Exception e, PrintStream err) {
        if (e instanceof CliException ce) {
            err.println("jvmm: " + ce.getMessage());
            return ce.status();
        }
        if (e instanceof EngineException ee) {
            err.println("jvmm: " + ee.getMessage());
            return ee.status();
        }
        if (e instanceof ImageException ie) {
            err.println("jvmm: " + ie.getMessage());
            return Images.status(ie);
        }
        // A bug, not a user error: keep the trace, it is the only useful report.
        err.println("jvmm: internal error: " + e);
        e.printStackTrace(err);
        return CliException.RUNTIME;
    }

    /** {@code jvmm} alone: show what it can do, as a usage error. */
    @Override
    public Integer call() {
        spec.commandLine().usage(err);
        return CliException.USAGE;
    }

    /** The jar's Implementation-Version, or "dev" when run from classes. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Jvmm.class.getPackage().getImplementationVersion();
            return new String[] {"jvmm " + (v == null ? "dev" : v)};
        }
    }
}
