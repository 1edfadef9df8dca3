package io.jvmm.runtime.boot;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Passes the guest's console through and fires once when a marker string has gone by
 * ({@code --snapshot-on DIR:STRING}). Matching is byte-wise (KMP), so a marker split across writes or
 * lines is still found.
 */
public final class MarkerTap extends FilterOutputStream {
    private final byte[] marker;
    private final int[] fail;
    private int matched;
    private volatile Runnable onMatch;
    private boolean fired;

    public MarkerTap(OutputStream out, String marker) {
        super(out);
        this.marker = marker.getBytes(StandardCharsets.UTF_8);
        this.fail = new int[this.marker.length];
        for (int i = 1, k = 0; i < this.marker.length; i++) {
            while (k > 0 && this.marker[i] != this.marker[k]) k = fail[k - 1];
            if (this.marker[i] == this.marker[k]) k++;
            fail[i] = k;
        }
    }

    /** What to run (once) when the marker has been written; called on the writing thread. */
    void onMatch(Runnable r) {
        onMatch = r;
    }

    @Override
    public synchronized void write(int b) throws IOException {
        out.write(b);
        scan((byte) b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        for (int i = 0; i < len; i++) scan(b[off + i]);
    }

    private void scan(byte b) {
        if (fired) return;
        while (matched > 0 && b != marker[matched]) matched = fail[matched - 1];
        if (b == marker[matched]) matched++;
        if (matched == marker.length) {
            fired = true;
            try {
                out.flush();
            } catch (IOException ignored) {
                // the console went away; the snapshot still happens
            }
            Runnable r = onMatch;
            if (r != null) r.run();
        }
    }
}
