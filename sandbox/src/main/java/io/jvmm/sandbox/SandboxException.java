package io.jvmm.sandbox;

/** A sandbox could not be started, restored or stopped; the message is one line naming the cause. */
public class SandboxException extends RuntimeException {
    public SandboxException(String message) {
        super(message);
    }

    public SandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
