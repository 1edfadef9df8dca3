package io.jvmm.cli;

import picocli.CommandLine.Option;

/** {@code -t SECONDS}: how long stop and restart wait after SIGTERM before SIGKILL. A picocli mixin. */
final class GraceOption {
    @Option(
            names = {"-t", "--time"},
            paramLabel = "SECONDS",
            description = "Grace period before SIGKILL (default 10).")
    private int seconds = 10;

    /** The grace period; a usage error when negative. */
    int seconds() {
        if (seconds < 0) throw CliException.usage("-t must not be negative, got " + seconds);
        return seconds;
    }
}
