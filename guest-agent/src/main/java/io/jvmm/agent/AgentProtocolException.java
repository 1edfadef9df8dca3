package io.jvmm.agent;

import java.io.IOException;

/** The agent sent a malformed, oversized or unexpected frame; the connection has been closed. */
public final class AgentProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public AgentProtocolException(String message) {
        super(message);
    }
}
