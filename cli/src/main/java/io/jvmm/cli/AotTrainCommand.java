package io.jvmm.cli;

import io.jvmm.runtime.state.StateDirs;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The hidden {@code jvmm __aot-train [PROBE]}: what the launcher runs once after each build to
 * train the JDK's AOT cache. One JVM goes through the commands people run most (boot of a probe,
 * and ps, volume ls, image ls, exec's error path against an empty state directory), so their
 * classes come pre-parsed and pre-linked at every later start, not only boot's.
 */
@Command(name = AotTrainCommand.NAME, hidden = true, description = "Trains the start-up cache (run by the launcher).")
final class AotTrainCommand implements Callable<Integer> {
    static final String NAME = "__aot-train";

    @Parameters(
            index = "0",
            arity = "0..1",
            paramLabel = "PROBE",
            description = "A probe guest to boot (skipped without KVM).")
    private Path probe;

    @Override
    public Integer call() throws IOException {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        if (probe != null) run(quiet, "boot", "--kernel", probe.toString(), "--memory", "128");
        Path home = Files.createTempDirectory("jvmm-aot-train-");
        String before = System.getProperty(StateDirs.HOME_PROPERTY);
        System.setProperty(StateDirs.HOME_PROPERTY, home.toString());
        try {
            run(quiet, "ps", "-a");
            run(quiet, "ps", "--format", "json");
            run(quiet, "volume", "ls");
            run(quiet, "image", "ls");
            run(quiet, "exec", "none", "--", "true");
            run(quiet, "logs", "none");
            run(quiet, "run", "--help");
        } finally {
            if (before == null) System.clearProperty(StateDirs.HOME_PROPERTY);
            else System.setProperty(StateDirs.HOME_PROPERTY, before);
            try (Stream<Path> s = Files.walk(home)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return 0;
    }

    private static void run(PrintStream quiet, String... args) {
        Jvmm.run(args, quiet, new ByteArrayInputStream(new byte[0]), quiet);
    }
}
