package io.jvmm.core.snapshot;

/** A snapshot that cannot be written or must not be loaded; the message is one line naming why. */
public class SnapshotException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SnapshotException(String message) { super(message); }

    public SnapshotException(String message, Throwable cause) { super(message, cause); }
}
