package io.jvmm.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** docker's "Are you sure you want to continue? [y/N]" for the prune commands. */
final class Confirmation {
    private Confirmation() {}

    /**
     * Prints {@code warning} and the question on {@code out}, reads one line from {@code in}; true for
     * "y" or "yes". Otherwise says on {@code err} that {@code what} was cancelled.
     */
    static boolean ask(PrintStream out, InputStream in, PrintStream err, String warning, String what)
            throws IOException {
        out.print("WARNING! " + warning + "\nAre you sure you want to continue? [y/N] ");
        out.flush();
        String answer = readLine(in).strip().toLowerCase(Locale.ROOT);
        if (answer.equals("y") || answer.equals("yes")) return true;
        out.println();
        err.println("jvmm: " + what + " cancelled; nothing was removed");
        return false;
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0 && b != '\n'; ) line.write(b);
        return line.toString(StandardCharsets.UTF_8);
    }
}
