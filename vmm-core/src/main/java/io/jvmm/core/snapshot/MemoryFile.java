package io.jvmm.core.snapshot;

import io.jvmm.core.memory.GuestRam;
import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import io.jvmm.memory.GuestMemory;
import io.jvmm.memory.MemoryRegion;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A snapshot's guest memory: the RAM regions one after the other, written sparsely (chunks that are
 * all zero, such as RAM the guest never touched, become holes and cost no disk space), and mapped
 * back copy-on-write by a restore.
 */
public final class MemoryFile {
    /** The unit of the zero check: large enough to be fast, small enough to leave real holes. */
    static final int CHUNK = 64 * 1024;

    private MemoryFile() {}

    /** Writes {@code memory} to {@code file} (created); returns the bytes actually written. */
    public static long write(GuestMemory memory, Path file) {
        long written = 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                Arena a = Arena.ofConfined()) {
            MemorySegment zero = a.allocate(CHUNK);
            long offset = 0;
            for (MemoryRegion r : memory.regions()) {
                MemorySegment seg = r.segment();
                for (long at = 0; at < r.size(); at += CHUNK) {
                    long n = Math.min(CHUNK, r.size() - at);
                    MemorySegment chunk = seg.asSlice(at, n);
                    if (chunk.mismatch(zero.asSlice(0, n)) == -1) continue;
                    ByteBuffer b = chunk.asByteBuffer();
                    long pos = offset + at;
                    while (b.hasRemaining()) pos += ch.write(b, pos);
                    written += n;
                }
                offset += r.size();
            }
            // The file's length is the whole of RAM even when its end is a hole.
            if (ch.size() < offset) ch.write(ByteBuffer.allocate(1), offset - 1);
            ch.force(true);
        } catch (IOException e) {
            throw new SnapshotException("cannot write guest memory to " + file + ": " + e.getMessage(), e);
        }
        return written;
    }

    /**
     * Maps {@code file} as {@code bytes} of guest RAM, copy-on-write ({@link GuestRam#mapFile}: nothing
     * is read up front, and VMs restored from one file share its unwritten pages). Refused with one
     * line when the file cannot be opened or its length is not {@code bytes}.
     */
    public static GuestRam map(Path file, long bytes) {
        int fd;
        try {
            fd = Libc.open(file.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        } catch (NativeException e) {
            throw new SnapshotException("cannot open " + file + ": " + Errno.describe(e.errno()));
        }
        try {
            long size = Libc.lseek(fd, 0, Libc.SEEK_END);
            if (size != bytes) {
                throw new SnapshotException(file + " is " + size + " bytes; the snapshot's RAM is " + bytes
                        + " (truncated or not this snapshot's)");
            }
            return GuestRam.mapFile(fd, bytes);
        } finally {
            Libc.close(fd);
        }
    }
}
