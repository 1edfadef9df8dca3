package io.jvmm.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The {@code jvmm} command. {@link #main} is the process entry point; {@link #run} is the same
 * thing with explicit streams and a returned status, for tests and embedding. Errors print as one
 * line, {@code jvmm: <what was wrong>}; exit status 2 means bad usage or configuration, 1 a runtime
 * failure, anything else is the guest's status (see cli/README.md).
 */
@Command(name = "jvmm", mixinStandardHelpOptions = true, versionProvider = Jvmm.Version.class,
        description = "A microVM monitor in pure Java (KVM through java.lang.foreign).")
public final class Jvmm implements Callable<Integer> {
    private final PrintStream err;
    @Spec
    private CommandSpec spec;

    /** Set by {@link #main}: the console stream is this process's stdout (so it may be a terminal). */
    private static volatile boolean realStdout;

    private Jvmm(PrintStream err) { this.err = err; }

    /**
     * True when output goes to this process's stdout and that is a terminal (progress bars); false when
     * embedded ({@link #run} with other streams) or piped.
     */
    static boolean stdoutIsTerminal() {
        java.io.Console c = System.console();
        return realStdout && c != null && c.isTerminal();
    }

    public static void main(String[] args) {
        // The guest console is raw bytes: no PrintStream charset or line buffering in between.
        OutputStream console = new FileOutputStream(FileDescriptor.out);
        realStdout = true;
        System.exit(run(args, console, System.in, System.err));
    }

    /**
     * Runs {@code jvmm args} with the guest console on {@code console} and {@code input}, messages on
     * {@code err}; returns the exit status. Help and version text go to {@code console}.
     */
    public static int run(String[] args, OutputStream console, InputStream input, PrintStream err) {
        PrintStream out = console instanceof PrintStream ps ? ps : new PrintStream(console, true);
        CommandLine cl = new CommandLine(new Jvmm(err))
                .addSubcommand(new CommandLine(new BootCommand(out, input, err)))
                .addSubcommand(new CommandLine(new PsCommand(out, err)))
                .addSubcommand(new CommandLine(new RmCommand(out, err)))
                .addSubcommand(VolumeCommand.commandLine(out, input, err))
                .addSubcommand(new CommandLine(new RunCommand(out, input, err)))
                .addSubcommand(ImageCommand.commandLine(out, input, err))
                .addSubcommand(ImageCommand.pullAlias(out, input))
                .addSubcommand(new CommandLine(new ExecCommand(out, input, err)))
                .addSubcommand(new CommandLine(new StopCommand(out, err)))
                .addSubcommand(new CommandLine(new LogsCommand(out, err)))
                .addSubcommand(new CommandLine(new AttachCommand(out, input, err)))
                .addSubcommand(SnapshotCommand.commandLine(out, err))
                .addSubcommand(new CommandLine(new VmProcessCommand()))
                .setOut(new java.io.PrintWriter(out, true))
                .setErr(new java.io.PrintWriter(err, true))
                .setParameterExceptionHandler((e, a) -> {
                    String hint = e.getCommandLine().getCommandSpec().qualifiedName() + " --help";
                    String suggestion = "";
                    if (e instanceof CommandLine.UnmatchedArgumentException u && !u.getSuggestions().isEmpty()) {
                        suggestion = " (did you mean " + String.join(" or ", u.getSuggestions()) + "?)";
                    }
                    err.println("jvmm: " + e.getMessage() + suggestion + "; see '" + hint + "'");
                    return CliException.USAGE;
                })
                .setExecutionExceptionHandler((e, c, p) -> {
                    if (e instanceof CliException ce) {
                        err.println("jvmm: " + ce.getMessage());
                        return ce.status();
                    }
                    if (e instanceof io.jvmm.cli.state.StateException se) {
                        err.println("jvmm: " + se.getMessage());
                        return se.status();
                    }
                    if (e instanceof io.jvmm.image.ImageException ie) {
                        err.println("jvmm: " + ie.getMessage());
                        return Images.status(ie);
                    }
                    if (e instanceof HacFileException he) {
                        err.println("jvmm: " + he.getMessage());
                        return CliException.USAGE;
                    }
                    // A bug, not a user error: keep the trace, it is the only useful report.
                    err.println("jvmm: internal error: " + e);
                    e.printStackTrace(err);
                    return CliException.RUNTIME;
                });
        return cl.execute(args);
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
