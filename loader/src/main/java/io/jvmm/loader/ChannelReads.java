package io.jvmm.loader;

import io.jvmm.memory.GuestMemory;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Function;

/**
 * Positional reads from a kernel/initrd file, straight into guest memory where possible so a 30 MB
 * kernel is read once and never buffered on the heap. Positional reads leave the channel's own
 * position alone, so a caller can pass the same channel to detect and then load.
 */
final class ChannelReads {
    // ByteBuffer views are int-indexed; copy big segments in chunks.
    private static final long CHUNK = 1L << 30;

    private ChannelReads() {}

    static FileChannel open(Path path) {
        try {
            return FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new LoaderException(LoaderException.Reason.IO_ERROR, "cannot open " + path + ": " + e, e);
        }
    }

    /** Runs {@code body} on {@code path} opened for reading, and closes it. */
    static <T> T withChannel(Path path, Function<FileChannel, T> body) {
        try (FileChannel ch = open(path)) {
            return body.apply(ch);
        } catch (IOException e) {
            throw new LoaderException(LoaderException.Reason.IO_ERROR, "cannot close " + path + ": " + e, e);
        }
    }

    static long size(FileChannel ch, String what) {
        try {
            return ch.size();
        } catch (IOException e) {
            throw ioError(what, e);
        }
    }

    /** Reads up to {@code len} bytes at {@code pos}; fewer only at end of file. */
    static byte[] readAtMost(FileChannel ch, long pos, int len, String what) {
        ByteBuffer buf = ByteBuffer.allocate(len);
        fill(ch, pos, buf, what);
        byte[] out = new byte[buf.position()];
        buf.flip().get(out);
        return out;
    }

    /** Reads exactly {@code len} bytes at {@code pos} or throws TRUNCATED naming {@code what}. */
    static byte[] readExactly(FileChannel ch, long pos, int len, String what) {
        byte[] b = readAtMost(ch, pos, len, what);
        if (b.length != len) throw truncated(what, pos, len);
        return b;
    }

    /** Copies {@code len} file bytes at {@code pos} into guest memory at {@code gpa}. */
    static void copyToGuest(FileChannel ch, long pos, GuestMemory mem, long gpa, long len, String what) {
        MemorySegment dst = mem.slice(gpa, len);
        for (long done = 0; done < len; done += CHUNK) {
            long n = Math.min(CHUNK, len - done);
            ByteBuffer buf = dst.asSlice(done, n).asByteBuffer();
            fill(ch, pos + done, buf, what);
            // The file shrank after it was validated.
            if (buf.hasRemaining()) throw truncated(what, pos, len);
        }
    }

    private static void fill(FileChannel ch, long pos, ByteBuffer buf, String what) {
        try {
            while (buf.hasRemaining()) {
                int n = ch.read(buf, pos + buf.position());
                if (n < 0) return;
            }
        } catch (IOException e) {
            throw ioError(what, e);
        }
    }

    private static LoaderException truncated(String what, long pos, long len) {
        return new LoaderException(
                LoaderException.Reason.TRUNCATED,
                String.format("%s truncated: file ends before bytes [0x%x, +0x%x)", what, pos, len));
    }

    private static LoaderException ioError(String what, IOException e) {
        return new LoaderException(LoaderException.Reason.IO_ERROR, "cannot read " + what + ": " + e, e);
    }
}
