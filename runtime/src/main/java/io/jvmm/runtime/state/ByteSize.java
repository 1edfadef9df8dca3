package io.jvmm.runtime.state;

import java.util.Locale;

/** Sizes as docker's flags write them: a number of bytes, or with k, m or g (binary: 1k = 1024). */
public final class ByteSize {
    private ByteSize() {}

    /** {@code value} in bytes; IllegalArgumentException with a one-line reason when it is not a size. */
    public static long parse(String value) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.endsWith("b")) v = v.substring(0, v.length() - 1);
        int shift = switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> 0;
        };
        String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
        try {
            long n = Long.parseLong(digits);
            if (n < 0 || n > (Long.MAX_VALUE >> shift)) throw new NumberFormatException();
            return n << shift;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a size such as 10m, got \"" + value + "\"");
        }
    }
}
