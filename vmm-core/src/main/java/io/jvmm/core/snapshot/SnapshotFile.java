package io.jvmm.core.snapshot;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * The container of a snapshot's state file ({@code state} in the snapshot directory; docs/snapshot.md):
 * <pre>
 * "JVMMSNAP"  8 bytes magic
 * u32         format version ({@link #VERSION})
 * u32         architecture (ELF e_machine: 62 = x86-64)
 * u64         payload length
 * payload     the sections ({@link SnapshotWriter})
 * u32         CRC-32C of everything before it
 * </pre>
 * Big-endian (Java's DataOutput). Anything that does not check out is refused before a byte of
 * the payload is interpreted: a snapshot is loaded whole or not at all.
 */
public final class SnapshotFile {
    static final byte[] MAGIC = {'J', 'V', 'M', 'M', 'S', 'N', 'A', 'P'};
    /**
     * 3: the state as named parts (sections machine, vm, vcpus, legacy, devices; {@link MachineState}).
     * Older versions are refused: a snapshot is taken again with the jvmm that restores it.
     */
    public static final int VERSION = 3;

    public static final int ARCH_X86_64 = 62;
    static final int HEADER = 8 + 4 + 4 + 8;
    /** A state file is kilobytes (per vCPU a few KiB); anything near this is not ours. */
    static final long MAX_PAYLOAD = 64L << 20;

    public static final String STATE = "state";
    public static final String MEMORY = "memory";

    private SnapshotFile() {}

    /** Writes {@code payload} to {@code dir/state} atomically (temporary file, fsync, rename). */
    public static void write(Path dir, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + HEADER + 4);
        try (DataOutputStream d = new DataOutputStream(b)) {
            d.write(MAGIC);
            d.writeInt(VERSION);
            d.writeInt(ARCH_X86_64);
            d.writeLong(payload.length);
            d.write(payload);
            CRC32C crc = new CRC32C();
            crc.update(b.toByteArray());
            d.writeInt((int) crc.getValue());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path tmp = dir.resolve(STATE + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(
                    tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer buf = ByteBuffer.wrap(b.toByteArray());
                while (buf.hasRemaining()) ch.write(buf);
                ch.force(true);
            }
            try {
                Files.move(
                        tmp, dir.resolve(STATE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(STATE), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new SnapshotException("cannot write " + dir.resolve(STATE) + ": " + e.getMessage(), e);
        }
    }

    /** The checked and decoded state of the snapshot in {@code dir}. */
    public static MachineState readState(Path dir) {
        return MachineState.decode(read(dir), dir.resolve(STATE).toString());
    }

    /** Reads and checks {@code dir/state}; returns the payload. Every refusal is one line naming the file. */
    public static byte[] read(Path dir) {
        Path file = dir.resolve(STATE);
        byte[] all;
        try {
            if (Files.isDirectory(dir) && !Files.exists(file))
                throw new SnapshotException(dir + " is not a jvmm snapshot (no state file)");
            all = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new SnapshotException(dir + ": no such snapshot directory");
        } catch (IOException e) {
            throw new SnapshotException("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (all.length < MAGIC.length || !Arrays.equals(all, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new SnapshotException(file + " is not a jvmm snapshot (bad magic)");
        }
        if (all.length < HEADER + 4) throw new SnapshotException(file + " is truncated (" + all.length + " bytes)");
        try (DataInputStream d =
                new DataInputStream(new ByteArrayInputStream(all, MAGIC.length, HEADER - MAGIC.length))) {
            int version = d.readInt();
            int arch = d.readInt();
            long len = d.readLong();
            if (version != VERSION) {
                throw new SnapshotException(file + " has snapshot format version " + version
                        + "; this jvmm reads version " + VERSION + " only (take the snapshot again with this jvmm)");
            }
            if (arch != ARCH_X86_64)
                throw new SnapshotException(
                        file + " is for another architecture (ELF machine " + arch + "), not x86-64");
            if (len < 0 || len > MAX_PAYLOAD)
                throw new SnapshotException(file + " is corrupt (payload length " + len + ")");
            if (all.length < HEADER + len + 4) {
                throw new SnapshotException(
                        file + " is truncated (" + all.length + " bytes, expected " + (HEADER + len + 4) + ")");
            }
            if (all.length > HEADER + len + 4) throw new SnapshotException(file + " is corrupt (trailing bytes)");
            CRC32C crc = new CRC32C();
            crc.update(all, 0, (int) (HEADER + len));
            int stored = ByteBuffer.wrap(all, (int) (HEADER + len), 4).getInt();
            if (stored != (int) crc.getValue()) throw new SnapshotException(file + " is corrupt (checksum mismatch)");
            return Arrays.copyOfRange(all, HEADER, (int) (HEADER + len));
        } catch (IOException e) {
            throw new SnapshotException(file + " is truncated");
        }
    }
}
