package io.jvmm.runtime;

/**
 * A user-facing error from the engine: a front-end shows the one-line message (the CLI prints
 * {@code jvmm: <message>}) and maps {@link #status()} to its own outcome ({@link #USAGE} when what was
 * asked must change, {@link #RUNTIME} when doing it failed). Never shown with a stack trace.
 */
public class EngineException extends RuntimeException {
    /** Bad name, bad spec, unknown option value: the user must change what they asked for (docker's 125). */
    public static final int USAGE = 125;
    /** No such VM/volume, in use, I/O failure, KVM, a tool failed. */
    public static final int RUNTIME = 1;

    private final int status;

    public EngineException(int status, String message) {
        this(status, message, null);
    }

    public EngineException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public static EngineException usage(String message) {
        return new EngineException(USAGE, message);
    }

    public static EngineException runtime(String message) {
        return new EngineException(RUNTIME, message);
    }

    /** The process exit status this error maps to. */
    public int status() {
        return status;
    }
}
