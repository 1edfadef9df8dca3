package io.jvmm.agent;

import java.time.Instant;

/**
 * A container as its monitor in the guest sees it. {@code pid} is the init's pid in the pod (0 once
 * exited); {@code exitCode} is 128 + signal when killed, 126/127 when the program could not be
 * started; the instants are the guest's clock, null until they happened.
 */
public record ContainerStatus(
        String id,
        State state,
        long pid,
        int exitCode,
        int signal,
        boolean oomKilled,
        Instant created,
        Instant started,
        Instant exited) {
    public enum State {
        CREATED,
        RUNNING,
        EXITED
    }

    /** Parses a CONTAINER_STATUS frame. */
    static ContainerStatus read(Frame f) throws AgentProtocolException {
        Payload.Reader r = new Payload.Reader(f);
        String id = r.str();
        long state = r.u32L();
        long pid = r.u32L();
        int code = r.i32(), signal = r.i32();
        long flags = r.u32L();
        long created = r.u64(), started = r.u64(), exited = r.u64();
        r.end();
        if (state > 2) throw new AgentProtocolException("malformed CONTAINER_STATUS payload: state " + state);
        return new ContainerStatus(
                id,
                State.values()[(int) state],
                pid,
                code,
                signal,
                (flags & 1) != 0,
                instant(created),
                instant(started),
                instant(exited));
    }

    private static Instant instant(long nanos) {
        return nanos == 0 ? null : Instant.ofEpochSecond(0, nanos);
    }
}
