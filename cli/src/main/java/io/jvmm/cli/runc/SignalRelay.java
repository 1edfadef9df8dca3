package io.jvmm.cli.runc;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Passes the signals a supervisor sends to the host process that stands for a guest process on to that
 * process, as runc's signal forwarding does, until closed; closing puts the previous handlers back (a
 * foreground {@code exec} runs in a JVM that goes on). HotSpot keeps SIGQUIT (thread dumps) for itself:
 * it is refused, and the refusal is a debug line.
 */
final class SignalRelay implements AutoCloseable {
    /** The signals passed on. */
    static final List<String> FORWARDED = List.of("TERM", "INT", "HUP", "QUIT", "USR1", "USR2");

    private final Map<Signal, SignalHandler> previous = new LinkedHashMap<>();

    private SignalRelay() {}

    /** Forwards {@link #FORWARDED} to {@code target}; {@code what} names it in debug lines. */
    static SignalRelay install(WaitedProcess target, RuncLog log, String what) {
        SignalRelay relay = new SignalRelay();
        for (String name : FORWARDED) {
            Signal signal = new Signal(name);
            try {
                relay.previous.put(signal, Signal.handle(signal, s -> forward(target, s.getNumber(), log, what)));
            } catch (IllegalArgumentException e) {
                log.debug(what + ": SIG" + name + " cannot be forwarded: " + e.getMessage());
            }
        }
        return relay;
    }

    /** Passes {@code signo} on, off the signal dispatcher's thread (the agent call may take a while). */
    private static void forward(WaitedProcess target, int signo, RuncLog log, String what) {
        Thread.ofVirtual().start(() -> {
            try {
                target.signal(signo);
            } catch (RuntimeException | InterruptedException e) {
                log.debug(what + ": signal " + signo + ": " + e.getMessage());
            }
        });
    }

    @Override
    public void close() {
        previous.forEach(Signal::handle);
        previous.clear();
    }
}
