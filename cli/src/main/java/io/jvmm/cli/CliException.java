package io.jvmm.cli;

/** An error the CLI reports as {@code jvmm: <message>} on one line and exits with {@link #status()}. */
final class CliException extends RuntimeException {
    /** Bad command line or configuration: the user must change what they typed or wrote. */
    static final int USAGE = 2;
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
