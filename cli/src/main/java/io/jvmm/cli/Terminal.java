package io.jvmm.cli;

import java.io.Console;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The user's terminal for {@code -t}: raw mode while a guest program owns it, and its size. Uses
 * stty on /dev/tty, so nothing native is needed; without a terminal every call is a no-op.
 */
public final class Terminal implements AutoCloseable {
    private final String saved;

    private Terminal(String saved) {
        this.saved = saved;
    }

    /** True when stdin is a terminal. */
    public static boolean stdinIsTerminal() {
        Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** Puts the terminal in raw mode (no echo, no line editing, no signals) until {@link #close()}. */
    public static Terminal raw() {
        if (!stdinIsTerminal()) return new Terminal(null);
        String saved = stty("-g");
        if (saved == null) return new Terminal(null);
        stty("raw", "-echo");
        return new Terminal(saved.strip());
    }

    /** {rows, cols}, or {0, 0} when unknown. */
    public static int[] size() {
        String s = stdinIsTerminal() ? stty("size") : null;
        if (s == null) return new int[] {0, 0};
        String[] p = s.strip().split("\\s+");
        try {
            return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
        } catch (RuntimeException e) {
            return new int[] {0, 0};
        }
    }

    private static String stty(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectInput(new File("/dev/tty"))
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            return p.waitFor() == 0 ? out : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    @Override
    public void close() {
        if (saved != null) stty(saved);
    }
}
