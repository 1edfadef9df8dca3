package io.jvmm.cli;

import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.pod.Container;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;

/**
 * A jvmm command written with picocli's annotations: the streams it talks through (output, input,
 * messages; {@link Jvmm#run} hands every command the same three) and the {@code -h} option every
 * command has, listed last.
 */
abstract class CliCommand implements Callable<Integer> {
    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            order = Integer.MAX_VALUE,
            description = "Show this help and exit.")
    boolean help;

    protected final PrintStream out;
    protected final InputStream in;
    protected final PrintStream err;

    CliCommand(PrintStream out, InputStream in, PrintStream err) {
        this.out = out;
        this.in = in;
        this.err = err;
    }

    /** What a command that takes several VMs does to one of them, named as the user typed it. */
    @FunctionalInterface
    interface VmAction {
        void apply(String ref) throws InterruptedException;
    }

    /** What such a command does to a container of a pod. */
    @FunctionalInterface
    interface ContainerAction {
        void apply(Container container) throws InterruptedException;
    }

    /**
     * {@link #eachVm} for commands that reach containers too: a ref that names no VM but a container of a
     * pod ({@link ContainerTargets}) goes to {@code onContainer}.
     */
    int eachVmOrContainer(Engine engine, List<String> refs, VmAction onVm, ContainerAction onContainer)
            throws InterruptedException {
        return eachVm(refs, ref -> {
            Optional<Container> c = ContainerTargets.find(engine, err, ref);
            if (c.isPresent()) onContainer.apply(c.get());
            else onVm.apply(ref);
        });
    }

    /**
     * Applies {@code action} to each VM in turn, printing its ref when done. docker's rule: a VM that
     * fails gets its one-line error on err and the next one goes on; the status is 1 when any failed.
     */
    int eachVm(List<String> refs, VmAction action) throws InterruptedException {
        int status = 0;
        for (String ref : refs) {
            try {
                action.apply(ref);
                out.println(ref);
            } catch (CliException | EngineException e) {
                err.println("jvmm: " + e.getMessage());
                status = 1;
            }
        }
        return status;
    }
}
