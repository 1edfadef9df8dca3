package io.jvmm.cli.runc;

import io.jvmm.cli.SignalNames;

/** Signal names and numbers as {@code runc kill} takes them ({@link SignalNames}), with runc's error. */
final class Signals {
    private Signals() {}

    /** The number {@code s} names, any case; runc's error when it names none. */
    static int number(String s) {
        return SignalNames.number(s).orElseThrow(() -> new RuncException("unknown signal \"" + s + "\""));
    }

    /** The name without SIG of signal {@code n} (1..31), for {@code sun.misc.Signal}. */
    static String name(int n) {
        return SignalNames.name(n);
    }
}
