package io.jvmm.agent;

import java.io.IOException;

/** Opens a new connection to the agent; the client opens one per exec, copy, ping or power-off. */
@FunctionalInterface
public interface AgentConnector {
    AgentChannel connect() throws IOException, InterruptedException;
}
