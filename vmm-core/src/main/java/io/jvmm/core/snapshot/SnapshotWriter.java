package io.jvmm.core.snapshot;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/** Builds a snapshot payload: tagged sections of ints, longs and length-prefixed byte arrays. */
public final class SnapshotWriter {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(bytes);

    /** Starts a section; the reader checks the tag, so a misplaced section is caught at once. */
    public SnapshotWriter section(String tag) {
        return string(tag);
    }

    public SnapshotWriter i32(int v) {
        try {
            out.writeInt(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public SnapshotWriter i64(long v) {
        try {
            out.writeLong(v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public SnapshotWriter bool(boolean v) {
        return i32(v ? 1 : 0);
    }

    public SnapshotWriter bytes(byte[] v) {
        i32(v.length);
        try {
            out.write(v, 0, v.length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return this;
    }

    public SnapshotWriter segment(MemorySegment s) {
        return bytes(s.toArray(ValueLayout.JAVA_BYTE));
    }

    public SnapshotWriter string(String s) {
        return bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    public byte[] toByteArray() {
        return bytes.toByteArray();
    }
}
