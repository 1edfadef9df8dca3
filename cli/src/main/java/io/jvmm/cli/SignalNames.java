package io.jvmm.cli;

import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/** Signal names and numbers as kill commands take them: {@code TERM}, {@code SIGTERM}, {@code term} or {@code 15}. */
public final class SignalNames {
    /** Linux x86 signal numbers by name, index = number (1..31; 32..64 by number only). */
    private static final List<String> NAMES = List.of(
            "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
            "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM",
            "PROF", "WINCH", "IO", "PWR", "SYS");

    private SignalNames() {}

    /** The number (1..64) {@code s} names, any case, with or without SIG; empty when it names none. */
    public static OptionalInt number(String s) {
        String name = s.toUpperCase(Locale.ROOT);
        if (name.startsWith("SIG")) name = name.substring(3);
        if (name.matches("\\d{1,2}")) {
            int n = Integer.parseInt(name);
            if (n >= 1 && n <= 64) return OptionalInt.of(n);
        } else {
            int n = NAMES.indexOf(name);
            if (n > 0) return OptionalInt.of(n);
        }
        return OptionalInt.empty();
    }

    /** The name without SIG of signal {@code n} (1..31). */
    public static String name(int n) {
        return NAMES.get(n);
    }
}
