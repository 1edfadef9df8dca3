package io.jvmm.core.snapshot;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** KVM structs as saved bytes and back: the states keep KVM's own layouts, checked by size on the way in. */
final class StructBytes {
    private StructBytes() {}

    static byte[] of(MemorySegment s) {
        return s.toArray(ValueLayout.JAVA_BYTE);
    }

    /** {@code b} (a saved KVM struct) in native memory; refused when its size is not this KVM's. */
    static MemorySegment segment(Arena a, byte[] b, long size, String what) {
        if (b.length != size)
            throw new SnapshotException(what + " has " + b.length + " bytes, this KVM expects " + size);
        MemorySegment s = a.allocate(size);
        MemorySegment.copy(MemorySegment.ofArray(b), 0, s, 0, size);
        return s;
    }
}
