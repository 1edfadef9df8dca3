package io.jvmm.cli.runc;

import io.jvmm.runc.BundleException;
import io.jvmm.runc.HookException;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.state.StateDirs;
import java.io.PrintStream;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * A subcommand of {@code jvmm runc}: it runs with the global flags ({@link RuncCommand}) and reports its
 * errors as runc does, one line on stderr and in the log, exit status 1.
 */
abstract class RuncSubcommand implements Callable<Integer> {
    @ParentCommand
    RuncCommand global;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            order = Integer.MAX_VALUE,
            description = "Show this help and exit.")
    boolean help;

    protected final PrintStream out;
    protected final PrintStream err;

    RuncSubcommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public final Integer call() throws InterruptedException {
        RuncLog log;
        try {
            log = global.log();
        } catch (RuncException e) {
            err.println(e.getMessage());
            return 1;
        }
        global.ignored().forEach(log::debug);
        // The VM processes and the waiter this command starts find the same state through this property.
        String before = System.getProperty(StateDirs.HOME_PROPERTY);
        if (global.root != null)
            System.setProperty(
                    StateDirs.HOME_PROPERTY,
                    global.root.toAbsolutePath().normalize().toString());
        try {
            int status = run(new OciContainers(global.engine()), log);
            out.flush();
            return status;
        } catch (RuncException e) {
            log.error(e.getMessage());
            return e.status();
        } catch (EngineException | BundleException | HookException e) {
            log.error(e.getMessage());
            return 1;
        } finally {
            if (before == null) System.clearProperty(StateDirs.HOME_PROPERTY);
            else System.setProperty(StateDirs.HOME_PROPERTY, before);
        }
    }

    /** Does the subcommand's work; returns its exit status. */
    abstract int run(OciContainers containers, RuncLog log) throws InterruptedException;
}
