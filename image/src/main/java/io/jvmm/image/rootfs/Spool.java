package io.jvmm.image.rootfs;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** An append-only temp file holding the contents of every regular file of every layer; deleted on close. */
final class Spool implements Closeable {
    private final Path file;
    private final FileChannel ch;
    private final byte[] buf = new byte[1 << 16];
    private long size;

    Spool(Path dir) throws IOException {
        file = Files.createTempFile(dir, ".rootfs-spool-", ".tmp");
        ch = FileChannel.open(
                file, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.DELETE_ON_CLOSE);
    }

    /**
     * Copies {@code in} to the end of the spool; returns the number of bytes copied. The offset of the
     * first byte is {@link #size()} as it was before the call.
     */
    long append(InputStream in) throws IOException {
        long n = 0;
        ByteBuffer bb = ByteBuffer.wrap(buf);
        int r;
        while ((r = in.read(buf)) > 0) {
            bb.clear().limit(r);
            while (bb.hasRemaining()) ch.write(bb, size + n + bb.position());
            n += r;
        }
        size += n;
        return n;
    }

    long size() {
        return size;
    }

    FileChannel channel() {
        return ch;
    }

    void readFully(long pos, byte[] dst, int off, int len) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(dst, off, len);
        while (bb.hasRemaining()) {
            int r = ch.read(bb, pos + (bb.position() - off));
            if (r < 0) throw new IOException("spool file " + file + " is shorter than expected");
        }
    }

    @Override
    public void close() throws IOException {
        try {
            ch.close();
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
