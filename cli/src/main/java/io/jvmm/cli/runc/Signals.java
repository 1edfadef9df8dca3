package io.jvmm.cli.runc;

import java.util.List;
import java.util.Locale;

/** Signal names and numbers as {@code runc kill} takes them: {@code TERM}, {@code SIGTERM} or {@code 15}. */
final class Signals {
    /** Linux x86 signal numbers by name, index = number (1..31; 32..64 by number only). */
    private static final List<String> NAMES = List.of(
            "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
            "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM",
            "PROF", "WINCH", "IO", "PWR", "SYS");

    private Signals() {}

    /** The number {@code s} names, any case; runc's error when it names none. */
    static int number(String s) {
        String name = s.toUpperCase(Locale.ROOT);
        if (name.startsWith("SIG")) name = name.substring(3);
        if (name.matches("\\d{1,2}")) {
            int n = Integer.parseInt(name);
            if (n >= 1 && n <= 64) return n;
        } else {
            int n = NAMES.indexOf(name);
            if (n > 0) return n;
        }
        throw new RuncException("unknown signal \"" + s + "\"");
    }

    /** The name without SIG of signal {@code n} (1..31), for {@code sun.misc.Signal}. */
    static String name(int n) {
        return NAMES.get(n);
    }
}
