package io.jvmm.agent;

import java.io.IOException;

/** An {@code ERROR} frame from the agent; the message is the agent's own one-line message. */
public class AgentException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int code;

    public AgentException(int code, String message) {
        super(message);
        this.code = code;
    }

    /** An errno value, or 126/127 for a program that could not be started. */
    public int code() {
        return code;
    }
}
