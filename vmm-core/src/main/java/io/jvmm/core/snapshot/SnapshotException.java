package io.jvmm.core.snapshot;

import io.jvmm.core.VmmException;

/** A snapshot that cannot be written or must not be loaded; the message is one line naming why. */
public class SnapshotException extends VmmException {
    private static final long serialVersionUID = 1L;

    public SnapshotException(String message) {
        super(message);
    }

    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
