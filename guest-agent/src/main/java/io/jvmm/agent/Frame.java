package io.jvmm.agent;

import java.util.Arrays;

/** One protocol frame: its type and payload (the header's version and flags are implied). */
public record Frame(int type, byte[] payload) {
    public Frame {
        if (type < 0 || type > 0xff) throw new IllegalArgumentException("frame type out of range: " + type);
        if (payload == null) payload = new byte[0];
        if (payload.length > AgentProtocol.MAX_PAYLOAD)
            throw new IllegalArgumentException(
                    "payload of " + payload.length + " bytes exceeds " + AgentProtocol.MAX_PAYLOAD);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Frame f && f.type == type && Arrays.equals(f.payload, payload);
    }

    @Override
    public int hashCode() {
        return type * 31 + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
        return "Frame[" + AgentProtocol.typeName(type) + ", " + payload.length + " bytes]";
    }
}
