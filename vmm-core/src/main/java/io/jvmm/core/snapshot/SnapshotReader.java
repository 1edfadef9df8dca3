package io.jvmm.core.snapshot;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;

/**
 * Reads what {@link SnapshotWriter} wrote. The payload's checksum has been verified, so a mismatch
 * here means a jvmm that writes differently than it reads: still refused with a clear message.
 */
public final class SnapshotReader {
    private final DataInputStream in;
    private final String file;

    public SnapshotReader(byte[] payload, String file) {
        this.in = new DataInputStream(new ByteArrayInputStream(payload));
        this.file = file;
    }

    /** A refusal naming the file and what is wrong with it. */
    public SnapshotException corrupt(String what) {
        return new SnapshotException(file + " is corrupt (" + what + ")");
    }

    public void section(String tag) {
        String got = string();
        if (!got.equals(tag)) throw corrupt("expected section " + tag + ", found " + got);
    }

    public int i32() {
        try {
            return in.readInt();
        } catch (IOException e) {
            throw corrupt("ends early");
        }
    }

    public long i64() {
        try {
            return in.readLong();
        } catch (IOException e) {
            throw corrupt("ends early");
        }
    }

    public boolean bool() {
        return i32() != 0;
    }

    public byte[] bytes() {
        int n = i32();
        if (n < 0 || n > 16 << 20) throw corrupt("a field of " + n + " bytes");
        byte[] b = new byte[n];
        try {
            in.readFully(b);
        } catch (IOException e) {
            throw corrupt("ends early");
        }
        return b;
    }

    /** A byte field that must fill {@code dst} exactly (a KVM struct). */
    public void into(MemorySegment dst, String what) {
        byte[] b = bytes();
        if (b.length != dst.byteSize()) throw corrupt(what + " has " + b.length + " bytes, expected " + dst.byteSize());
        MemorySegment.copy(MemorySegment.ofArray(b), 0, dst, 0, b.length);
    }

    public String string() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    /** The whole payload was read. */
    public void end() {
        try {
            if (in.available() != 0) throw corrupt(in.available() + " bytes after the last section");
        } catch (IOException e) {
            throw corrupt("unreadable");
        }
    }
}
