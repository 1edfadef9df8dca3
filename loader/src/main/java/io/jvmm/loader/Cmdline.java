package io.jvmm.loader;

import static io.jvmm.loader.LoaderException.Reason.*;

import io.jvmm.memory.GuestMemory;
import java.nio.charset.StandardCharsets;

/**
 * Builds a kernel command line, checking as it goes what the kernel's parser
 * (lib/cmdline.c, kernel/params.c {@code next_arg}) and the boot protocol require: no NUL byte, and
 * at most {@code maxSize} bytes including the terminating NUL (Firecracker's and the x86 default
 * {@code COMMAND_LINE_SIZE} is 2048). A failed append leaves the builder unchanged.
 */
public final class Cmdline {
    /** Default capacity in bytes, including the NUL: x86 {@code COMMAND_LINE_SIZE}. */
    public static final int DEFAULT_MAX_SIZE = 2048;

    private final int maxSize;
    private final StringBuilder text = new StringBuilder();
    private int byteLength;

    /** An empty command line holding at most 2048 bytes including the NUL. */
    public Cmdline() {
        this(DEFAULT_MAX_SIZE);
    }

    /** An empty command line holding at most {@code maxSize} bytes including the NUL. */
    public Cmdline(int maxSize) {
        if (maxSize < 1)
            throw new IllegalArgumentException("cmdline maxSize must be at least 1 (the NUL), got " + maxSize);
        this.maxSize = maxSize;
    }

    /**
     * Appends {@code raw} verbatim (e.g. a user's "console=ttyS0 reboot=k"), separated by a space.
     * Leading/trailing blanks are dropped; an all-blank string appends nothing.
     */
    public Cmdline append(String raw) {
        String s = raw.strip();
        if (s.indexOf('\0') >= 0)
            throw new LoaderException(BAD_CMDLINE, "kernel command line: \"" + printable(s) + "\" contains a NUL byte");
        if (!s.isEmpty()) appendToken(s);
        return this;
    }

    /** Appends a flag such as {@code quiet}. */
    public Cmdline add(String flag) {
        checkKey(flag);
        appendToken(flag);
        return this;
    }

    /** Appends {@code key=value}; a value with blanks is double-quoted, which the kernel strips. */
    public Cmdline add(String key, String value) {
        checkKey(key);
        if (value.indexOf('\0') >= 0)
            throw new LoaderException(BAD_CMDLINE, "kernel command line: value of " + key + " contains a NUL byte");
        if (value.indexOf('"') >= 0)
            throw new LoaderException(
                    BAD_CMDLINE,
                    "kernel command line: value of " + key
                            + " contains a double quote, which the kernel cannot escape");
        boolean blank = value.chars().anyMatch(Character::isWhitespace) || value.isEmpty();
        appendToken(key + "=" + (blank ? "\"" + value + "\"" : value));
        return this;
    }

    /** The command line without the NUL. */
    @Override
    public String toString() {
        return text.toString();
    }

    /** Bytes needed in guest memory: UTF-8 length + 1 for the NUL. */
    public int sizeWithNul() {
        return byteLength + 1;
    }

    public int maxSize() {
        return maxSize;
    }

    /** UTF-8 bytes followed by the NUL terminator. */
    public byte[] toBytesWithNul() {
        byte[] s = text.toString().getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[s.length + 1];
        System.arraycopy(s, 0, out, 0, s.length);
        return out;
    }

    /** Writes the NUL-terminated command line at {@code gpa}; returns the bytes written (with NUL). */
    public int writeTo(GuestMemory mem, long gpa) {
        byte[] b = toBytesWithNul();
        if (!mem.contains(gpa, b.length)) {
            throw new LoaderException(
                    OUTSIDE_RAM,
                    String.format("kernel command line [0x%x, +%d) is not inside guest RAM", gpa, b.length));
        }
        mem.write(gpa, b);
        return b.length;
    }

    private void appendToken(String token) {
        int add = token.getBytes(StandardCharsets.UTF_8).length + (byteLength == 0 ? 0 : 1);
        if ((long) byteLength + add + 1 > maxSize) {
            throw new LoaderException(
                    CMDLINE_TOO_LONG,
                    String.format(
                            "kernel command line: appending \"%s\" makes it %d bytes with the NUL, over the maximum of %d",
                            printable(token), byteLength + add + 1, maxSize));
        }
        if (byteLength != 0) text.append(' ');
        text.append(token);
        byteLength += add;
    }

    private static void checkKey(String key) {
        if (key.isEmpty()) throw new LoaderException(BAD_CMDLINE, "kernel command line: empty parameter name");
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c == '\0' || c == '=' || c == '"' || Character.isWhitespace(c)) {
                throw new LoaderException(
                        BAD_CMDLINE,
                        "kernel command line: parameter name \"" + printable(key)
                                + "\" contains NUL, '=', '\"' or a blank");
            }
        }
    }

    private static String printable(String s) {
        String t = s.replace("\0", "\\0");
        return t.length() > 60 ? t.substring(0, 57) + "..." : t;
    }
}
