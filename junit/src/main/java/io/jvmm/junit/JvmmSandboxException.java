package io.jvmm.junit;

/** A sandbox could not start, become ready or do what was asked; the message names the VM and says why. */
public class JvmmSandboxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public JvmmSandboxException(String message) {
        super(message);
    }

    public JvmmSandboxException(String message, Throwable cause) {
        super(message, cause);
    }
}
