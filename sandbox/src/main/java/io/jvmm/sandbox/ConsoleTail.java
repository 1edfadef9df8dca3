package io.jvmm.sandbox;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Keeps the last bytes of the guest console (and passes them on), so that a guest that never gets
 * ready can be reported with what it printed last.
 */
final class ConsoleTail extends OutputStream {
    private final OutputStream next;
    private final byte[] ring;
    private long written;

    ConsoleTail(OutputStream next, int capacity) {
        this.next = next;
        this.ring = new byte[capacity];
    }

    @Override
    public synchronized void write(int b) throws IOException {
        ring[(int) (written++ % ring.length)] = (byte) b;
        if (next != null) next.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        for (int i = 0; i < len; i++) ring[(int) (written++ % ring.length)] = b[off + i];
        if (next != null) next.write(b, off, len);
    }

    @Override
    public synchronized void flush() throws IOException {
        if (next != null) next.flush();
    }

    /** The last {@code n} non-empty lines, oldest first. */
    synchronized List<String> lastLines(int n) {
        int len = (int) Math.min(written, ring.length);
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) b[i] = ring[(int) ((written - len + i) % ring.length)];
        String text = new String(b, StandardCharsets.ISO_8859_1).replace("\r", "");
        List<String> lines = new ArrayList<>();
        for (String l : text.split("\n")) if (!l.isBlank()) lines.add(l);
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }
}
