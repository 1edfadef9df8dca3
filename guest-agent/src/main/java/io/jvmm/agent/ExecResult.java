package io.jvmm.agent;

import java.nio.charset.StandardCharsets;

/**
 * How an exec ended: {@code exitCode} (128 + signal when killed), {@code signal} (0 unless killed),
 * {@code error} (the message of an ERROR frame, e.g. for a command that was not found, else null),
 * and the captured output (empty when it went to caller-supplied sinks).
 */
public record ExecResult(int exitCode, int signal, String error, byte[] stdout, byte[] stderr) {
    public ExecResult {
        stdout = stdout == null ? new byte[0] : stdout;
        stderr = stderr == null ? new byte[0] : stderr;
    }

    public String stdoutText() {
        return new String(stdout, StandardCharsets.UTF_8);
    }

    public String stderrText() {
        return new String(stderr, StandardCharsets.UTF_8);
    }

    ExecResult withOutput(byte[] out, byte[] err) {
        return new ExecResult(exitCode, signal, error, out, err);
    }

    @Override
    public String toString() {
        return "ExecResult[exitCode=" + exitCode + ", signal=" + signal + ", error=" + error + ", stdout="
                + stdout.length + " bytes, stderr=" + stderr.length + " bytes]";
    }
}
