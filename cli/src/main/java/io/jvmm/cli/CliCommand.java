package io.jvmm.cli;

import java.io.InputStream;
import java.io.PrintStream;
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
}
