package io.jvmm.image.rootfs;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Passes bytes through and, while recording, keeps a copy. Used to see the raw bytes of a tar
 * entry's headers, because Commons Compress decodes PAX values as UTF-8 strings and a binary
 * xattr value (security.capability, an ACL) would not survive that.
 */
final class TapInputStream extends FilterInputStream {
    private static final int MAX_RECORDED = 16 << 20;
    private final ByteArrayOutputStream recorded = new ByteArrayOutputStream();
    private boolean recording;
    private boolean overflow;

    TapInputStream(InputStream in) {
        super(in);
    }

    void startRecording() {
        recorded.reset();
        overflow = false;
        recording = true;
    }

    /** Stops recording; returns the bytes read since {@link #startRecording()}, or null if too many. */
    byte[] stopRecording() {
        recording = false;
        byte[] b = overflow ? null : recorded.toByteArray();
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

    private void record(byte[] b, int off, int len) {
        if (overflow) return;
        if (recorded.size() + len > MAX_RECORDED) {
            overflow = true;
            recorded.reset();
            return;
        }
        recorded.write(b, off, len);
    }
}
