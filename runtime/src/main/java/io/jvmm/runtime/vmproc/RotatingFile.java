package io.jvmm.runtime.vmproc;

import io.jvmm.runtime.state.LogOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * An append-only log file that a guest cannot grow without bound: at most {@link LogOptions#maxFiles()}
 * files of at most {@link LogOptions#maxFileBytes()} each, docker's json-file rotation. When a write
 * would take {@code NAME} past its size, {@code NAME.1} becomes {@code NAME.2} and so on (the oldest is
 * dropped), {@code NAME} becomes {@code NAME.1}, and a new {@code NAME} starts. A write never spans
 * two files, so a record written in one call stays whole.
 */
public final class RotatingFile implements AutoCloseable {
    private final Path path;
    private final LogOptions options;
    private FileChannel file;
    private long size;

    private RotatingFile(Path path, LogOptions options) throws IOException {
        this.path = path;
        this.options = options;
        open();
    }

    /** Appends to {@code path} (created if missing), rotating under {@code options}. */
    public static RotatingFile append(Path path, LogOptions options) throws IOException {
        return new RotatingFile(path, options);
    }

    private void open() throws IOException {
        file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = file.size();
    }

    /** Writes {@code len} bytes as one piece, rotating first when they would not fit. */
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        if (size > 0 && size + len > options.maxFileBytes()) rotate();
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) file.write(buf);
        size += len;
    }

    private void rotate() throws IOException {
        file.close();
        int keep = options.maxFiles() - 1;
        if (keep == 0) {
            Files.delete(path);
        } else {
            Files.deleteIfExists(rotated(path, keep));
            for (int i = keep - 1; i >= 1; i--) {
                Path from = rotated(path, i);
                if (Files.exists(from)) Files.move(from, rotated(path, i + 1), StandardCopyOption.ATOMIC_MOVE);
            }
            Files.move(path, rotated(path, 1), StandardCopyOption.ATOMIC_MOVE);
        }
        open();
    }

    /** {@code NAME.n}: the n-th newest rotated file. */
    public static Path rotated(Path path, int n) {
        return path.resolveSibling(path.getFileName() + "." + n);
    }

    /** The files of the log at {@code path} that exist, oldest first, ending with {@code path} itself. */
    public static List<Path> oldestFirst(Path path) {
        List<Path> files = new ArrayList<>();
        for (int n = 1; Files.exists(rotated(path, n)); n++) files.add(0, rotated(path, n));
        if (Files.exists(path)) files.add(path);
        return files;
    }

    /** An OutputStream that writes each call as one piece. */
    public OutputStream stream() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                RotatingFile.this.write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                RotatingFile.this.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                RotatingFile.this.close();
            }
        };
    }

    @Override
    public synchronized void close() throws IOException {
        file.close();
    }
}
