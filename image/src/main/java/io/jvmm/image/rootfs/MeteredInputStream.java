package io.jvmm.image.rootfs;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Counts the bytes of a decompressed layer against the build's {@link Budget}, so that a gzip or
 * zstd bomb stops at the unpacked-size limit whatever the tar headers claim.
 */
final class MeteredInputStream extends FilterInputStream {
    private final Budget budget;

    MeteredInputStream(InputStream in, Budget budget) {
        super(in);
        this.budget = budget;
    }

    @Override
    public int read() throws IOException {
        int b = in.read();
        if (b >= 0) budget.read(1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in.read(b, off, len);
        if (n > 0) budget.read(n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        long s = in.skip(n);
        if (s > 0) budget.read(s);
        return s;
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
