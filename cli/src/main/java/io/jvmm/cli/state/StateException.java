package io.jvmm.cli.state;

/**
 * A user-facing error from the state library: the CLI prints {@code jvmm: <message>} on one line and
 * exits with {@link #status()} ({@link #USAGE} when what was typed must change, {@link #RUNTIME} when
 * doing it failed). Commands convert it to their own error type; never shown with a stack trace.
 */
public final class StateException extends RuntimeException {
    /** Bad name, bad spec, unknown option value: the user must change the command line. */
    public static final int USAGE = 2;
    /** No such VM/volume, in use, I/O failure, a tool failed. */
    public static final int RUNTIME = 1;

    private final int status;

    public StateException(int status, String message) {
        this(status, message, null);
    }

    public StateException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public static StateException usage(String message) { return new StateException(USAGE, message); }

    public static StateException runtime(String message) { return new StateException(RUNTIME, message); }

    /** The process exit status this error maps to. */
    public int status() { return status; }
}
