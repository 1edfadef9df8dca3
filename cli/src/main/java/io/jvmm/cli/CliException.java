package io.jvmm.cli;

/**
 * An error the CLI reports as {@code jvmm: <message>} on one line and exits with {@link #status()}.
 * The statuses are docker's: 125 for jvmm's own errors where a workload's status could be confused
 * with them, 126/127 (from the agent) for a command that cannot run or is not found.
 */
final class CliException extends RuntimeException {
    /**
     * jvmm itself failed: what a command that passes a workload's status through ({@code run},
     * {@code exec}, {@code start -a}) exits with for any error of its own, as docker does.
     */
    static final int OWN_ERROR = 125;
    /** Bad command line or configuration: the user must change what they typed or wrote. */
    static final int USAGE = OWN_ERROR;
    /** Something failed while doing what was asked (KVM, a build, I/O). */
    static final int RUNTIME = 1;

    private final int status;

    CliException(int status, String message) {
        super(message);
        this.status = status;
    }

    static CliException usage(String message) {
        return new CliException(USAGE, message);
    }

    static CliException runtime(String message) {
        return new CliException(RUNTIME, message);
    }

    int status() {
        return status;
    }
}
