package io.jvmm.runc;

/**
 * A bundle that jvmm-runc cannot run: a missing or unreadable config.json, a value the OCI runtime spec
 * (or jvmm) does not allow. The message is one line naming the field, in runc's style
 * ({@code config.json: process.args must not be empty}), for the caller's log.
 */
public final class BundleException extends RuntimeException {
    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code config.json: } then {@code message}. */
    static BundleException config(String message) {
        return new BundleException("config.json: " + message);
    }
}
