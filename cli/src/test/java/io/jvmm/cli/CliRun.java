package io.jvmm.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in this JVM ({@link Jvmm#run}) with captured output, as the CLI tests do. */
final class CliRun {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** {@code jvmm args} with {@code stdin} as its input; returns the exit status. */
    int withInput(String stdin, String... args) {
        out.reset();
        err.reset();
        return Jvmm.run(
                args,
                out,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    /** {@code jvmm args} with empty input; returns the exit status. */
    int run(String... args) {
        return withInput("", args);
    }

    /** What the last run wrote to stdout. */
    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** What the last run wrote to stderr. */
    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
