package io.jvmm.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Runs the CLI in this JVM ({@link Jvmm#run}) with captured output, as the CLI tests do. */
final class CliRun {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** {@code jvmm args} with {@code stdin} as its input; returns the exit status. */
    int withInput(String stdin, String... args) {
        return withInput(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), args);
    }

    /** {@code jvmm args} reading {@code stdin}, which may watch {@link #out()} as it grows. */
    int withInput(InputStream stdin, String... args) {
        out.reset();
        err.reset();
        return Jvmm.run(args, out, stdin, new PrintStream(err, true, StandardCharsets.UTF_8));
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
