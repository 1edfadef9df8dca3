package io.jvmm.cli.runc;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Where jvmm-runc reports: errors on stderr and, with {@code --log FILE}, appended to that file in runc's
 * (logrus') formats, which conmon and containerd read back to explain a failure:
 * {@code {"level":"error","msg":"...","time":"..."}} for json, {@code time="..." level=error msg="..."}
 * for text. Debug lines go only to the log file, and only with {@code --debug}.
 */
final class RuncLog {
    /** The two formats of {@code --log-format}. */
    enum Format {
        TEXT,
        JSON;

        static Format of(String s) {
            return switch (s) {
                case "text" -> TEXT;
                case "json" -> JSON;
                default -> throw new RuncException("invalid log-format: " + s + " (text or json)");
            };
        }
    }

    private final PrintStream err;
    private final Path file;
    private final Format format;
    private final boolean debug;

    RuncLog(PrintStream err, Path file, Format format, boolean debug) {
        this.err = err;
        this.file = file;
        this.format = format;
        this.debug = debug;
    }

    /** An error: on stderr as runc prints it, and in the log file. */
    void error(String message) {
        err.println(message);
        err.flush();
        write("error", message);
    }

    /** A warning (a poststart or poststop hook that failed): on stderr and in the log file; the command goes on. */
    void warning(String message) {
        err.println(message);
        err.flush();
        write("warning", message);
    }

    /** A line for {@code --debug}, in the log file only. */
    void debug(String message) {
        if (debug) write("debug", message);
    }

    /** One record in {@code format}, as logrus writes it; {@code time} in RFC 3339. */
    static String line(Format format, String level, String message, Instant time) {
        String t = time.truncatedTo(ChronoUnit.SECONDS).toString();
        if (format == Format.JSON)
            return "{\"level\":\"" + level + "\",\"msg\":" + quote(message) + ",\"time\":\"" + t + "\"}";
        return "time=\"" + t + "\" level=" + level + " msg=" + quote(message);
    }

    private void write(String level, String message) {
        if (file == null) return;
        try {
            Files.writeString(
                    file,
                    line(format, level, message, Instant.now()) + "\n",
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            err.println("cannot write the log " + file + ": " + e.getMessage());
        }
    }

    /** A JSON string literal (also logrus' quoting of a text value with spaces or quotes). */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('"').toString();
    }
}
