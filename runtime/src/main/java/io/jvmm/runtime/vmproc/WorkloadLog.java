package io.jvmm.runtime.vmproc;

import io.jvmm.runtime.state.LogOptions;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * The workload's stdout and stderr as the VM's logs ({@code jvmm logs}): an append-only file of
 * records {@code [u8 stream][u32 length, big-endian][bytes]}, so both streams keep their order and
 * their identity and a reader can follow the file while the VM process appends. The file rotates
 * ({@link RotatingFile}) between records.
 */
public final class WorkloadLog implements AutoCloseable {
    public static final int STDOUT = 1;
    public static final int STDERR = 2;
    /** A record never exceeds this: larger writes are split. */
    static final int MAX_RECORD = 64 << 10;

    private final RotatingFile file;

    private WorkloadLog(RotatingFile file) {
        this.file = file;
    }

    /** Appends to the log at {@code path}, rotated under {@code options}. */
    public static WorkloadLog append(Path path, LogOptions options) throws IOException {
        return new WorkloadLog(RotatingFile.append(path, options));
    }

    public void write(int stream, byte[] b, int off, int len) throws IOException {
        // One record per file write: a rotation never cuts a record, and no write exceeds a file's size.
        while (len > 0) {
            int n = Math.min(len, MAX_RECORD);
            file.write(records(stream, b, off, n), 0, n + 5);
            off += n;
            len -= n;
        }
    }

    /** {@code len} bytes of {@code stream} as records, split at {@link #MAX_RECORD}: the file's format and ATTACH's. */
    public static byte[] records(int stream, byte[] b, int off, int len) {
        ByteBuffer buf = ByteBuffer.allocate(len + 5 * ((len + MAX_RECORD - 1) / MAX_RECORD));
        while (len > 0) {
            int n = Math.min(len, MAX_RECORD);
            buf.put((byte) stream).putInt(n).put(b, off, n);
            off += n;
            len -= n;
        }
        return buf.array();
    }

    /** Copies records from {@code in} (an ATTACH connection) to {@code out} and {@code err} until the end of input. */
    public static void copyRecords(InputStream in, OutputStream out, OutputStream err) throws IOException {
        DataInputStream records = new DataInputStream(in);
        int stream;
        while ((stream = records.read()) >= 0) {
            int len = records.readInt();
            if (len < 0 || len > MAX_RECORD || (stream != STDOUT && stream != STDERR))
                throw new IOException("a malformed record from the VM process");
            byte[] data = new byte[len];
            records.readFully(data);
            OutputStream target = stream == STDOUT ? out : err;
            target.write(data);
            target.flush();
        }
    }

    /** An OutputStream that appends to {@code stream}. */
    public OutputStream stream(int stream) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                WorkloadLog.this.write(stream, new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                WorkloadLog.this.write(stream, b, off, len);
            }
        };
    }

    @Override
    public void close() throws IOException {
        file.close();
    }

    /**
     * Copies the records of the log at {@code path}, its rotated files first. With {@code follow}, keeps
     * waiting for more while {@code more} is true (moving on to the new file when the log rotates), then
     * drains what is left and returns.
     */
    public static void copy(Path path, OutputStream out, OutputStream err, boolean follow, BooleanSupplier more)
            throws IOException, InterruptedException {
        List<Path> files = RotatingFile.oldestFirst(path);
        for (Path rotated : files.subList(0, Math.max(0, files.size() - 1))) {
            try (FileChannel ch = FileChannel.open(rotated, StandardOpenOption.READ)) {
                copyAvailable(ch, 0, out, err);
            } catch (NoSuchFileException e) {
                // rotated away meanwhile
            }
        }
        while (true) {
            Object key = fileKey(path);
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                long pos = 0;
                while (true) {
                    long before = pos;
                    pos = copyAvailable(ch, pos, out, err);
                    if (!follow) return;
                    if (pos != before) continue;
                    if (key != null && !key.equals(fileKey(path))) {
                        copyAvailable(ch, pos, out, err); // rotated: finish this file, then follow the new one
                        break;
                    }
                    if (!more.getAsBoolean()) {
                        copyAvailable(ch, pos, out, err);
                        return;
                    }
                    Thread.sleep(50);
                }
            } catch (NoSuchFileException e) {
                if (!follow || !more.getAsBoolean()) return;
                Thread.sleep(50);
            }
        }
    }

    private static Object fileKey(Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** Copies complete records from {@code pos}; returns the position after the last complete one. */
    private static long copyAvailable(FileChannel ch, long pos, OutputStream out, OutputStream err) throws IOException {
        while (true) {
            long size = ch.size();
            if (size - pos < 5) return pos;
            ByteBuffer head = ByteBuffer.allocate(5);
            ch.read(head, pos);
            int stream = head.get(0);
            int len = head.getInt(1);
            if (len < 0 || len > MAX_RECORD || (stream != STDOUT && stream != STDERR))
                throw new IOException("the log file is corrupt at offset " + pos);
            if (size - pos - 5 < len) return pos; // the writer is mid-record
            ByteBuffer data = ByteBuffer.allocate(len);
            while (data.hasRemaining()) if (ch.read(data, pos + 5 + data.position()) < 0) throw new EOFException();
            OutputStream target = stream == STDOUT ? out : err;
            target.write(data.array(), 0, len);
            target.flush();
            pos += 5 + len;
        }
    }
}
