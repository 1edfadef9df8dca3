package io.jvmm.image.rootfs;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Passes bytes through and, while recording, keeps a copy. Used to see the raw bytes of a tar
 * entry's headers, because Commons Compress decodes PAX values as UTF-8 strings and a binary
 * xattr value (security.capability, an ACL) would not survive that. The recording is checked
 * against the per-entry header limit: the tar reader buffers those headers whole (a GNU long name
 * or PAX record of gigabytes would exhaust the heap).
 */
final class TapInputStream extends FilterInputStream {
    private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();
    private final Budget budget;
    private boolean recording;

    TapInputStream(InputStream in, Budget budget) {
        super(in);
        this.budget = budget;
    }

    void startRecording() {
        recorded.reset();
        recording = true;
    }

    /** Stops recording; returns the bytes read since {@link #startRecording()}. */
    byte[] stopRecording() {
        recording = false;
        byte[] b = recorded.toByteArray();
        recorded.reset();
        return b;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0 && recording) record(new byte[] {(byte) b}, 0, 1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0 && recording) record(b, off, n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        if (!recording) return in.skip(n);
        // Read instead of skipping, so that the recording stays contiguous.
        byte[] buf = new byte[(int) Math.min(n, 8192)];
        long done = 0;
        while (done < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) break;
            done += r;
        }
        return done;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void record(byte[] b, int off, int len) throws IOException {
        budget.header((long) recorded.size() + len);
        recorded.write(b, off, len);
    }
}
