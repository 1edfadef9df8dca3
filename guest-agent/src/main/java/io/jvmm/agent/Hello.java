package io.jvmm.agent;

import java.io.EOFException;
import java.io.IOException;

/** The agent's readiness announcement. */
public record Hello(int protocol, String agentVersion, long uptimeNanos) {
    /**
     * Reads and validates the HELLO frame of a readiness connection. Keep the channel open
     * afterwards: its end tells the host the agent is gone (and in test mode, closing it makes
     * the agent power off).
     */
    public static Hello read(AgentChannel ch) throws IOException {
        Frame f = FrameCodec.read(ch.input());
        if (f == null) throw new EOFException("agent closed the readiness connection before HELLO");
        if (f.type() != AgentProtocol.HELLO)
            throw new AgentProtocolException(
                    "expected HELLO on the readiness connection, got " + AgentProtocol.typeName(f.type()));
        Payload.Reader r = new Payload.Reader(f);
        long protocol = r.u32L();
        String version = r.str();
        long uptime = r.u64();
        r.end();
        if (protocol < AgentProtocol.MIN_PROTOCOL || protocol > AgentProtocol.PROTOCOL)
            throw new AgentProtocolException("agent speaks protocol " + protocol + ", this host speaks "
                    + AgentProtocol.MIN_PROTOCOL + " to " + AgentProtocol.PROTOCOL);
        return new Hello((int) protocol, version, uptime);
    }

    /** Whether the agent runs containers (protocol 2). */
    public boolean supportsContainers() {
        return protocol >= 2;
    }
}
