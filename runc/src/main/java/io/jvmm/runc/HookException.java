package io.jvmm.runc;

/**
 * A hook that failed: it could not be started, exited with a status other than 0, was killed by a
 * signal, or ran past its timeout. The message is one line in runc's words
 * ({@code error running createRuntime hook #0: exit status 1, stdout: ..., stderr: ...}).
 */
public final class HookException extends RuntimeException {
    public HookException(String message) {
        super(message);
    }
}
