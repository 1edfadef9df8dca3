package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct kvm_enable_cap} (linux/kvm.h, KVM_ENABLE_CAP). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmEnableCap {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("cap"),
                    JAVA_INT.withName("flags"),
                    sequenceLayout(4, JAVA_LONG).withName("args"),
                    sequenceLayout(64, JAVA_BYTE).withName("pad"))
            .withName("kvm_enable_cap");

    private static final long cap$OFFSET = LAYOUT.byteOffset(groupElement("cap"));
    /** Reads {@code cap}. */
    public static int cap(MemorySegment s) {
        return s.get(JAVA_INT, cap$OFFSET);
    }
    /** Writes {@code cap}. */
    public static void cap(MemorySegment s, int v) {
        s.set(JAVA_INT, cap$OFFSET, v);
    }

    private static final long flags$OFFSET = LAYOUT.byteOffset(groupElement("flags"));
    /** Reads {@code flags}. */
    public static int flags(MemorySegment s) {
        return s.get(JAVA_INT, flags$OFFSET);
    }
    /** Writes {@code flags}. */
    public static void flags(MemorySegment s, int v) {
        s.set(JAVA_INT, flags$OFFSET, v);
    }

    private static final long args$OFFSET = LAYOUT.byteOffset(groupElement("args"));
    private static final long args$SIZE = LAYOUT.select(groupElement("args")).byteSize();
    /** The {@code args} array as a slice of {@code s}. */
    public static MemorySegment args(MemorySegment s) {
        return s.asSlice(args$OFFSET, args$SIZE);
    }
    /** Reads {@code args[index]}. */
    public static long args(MemorySegment s, long index) {
        return s.getAtIndex(JAVA_LONG, args$OFFSET / JAVA_LONG.byteSize() + Objects.checkIndex(index, 4));
    }
    /** Writes {@code args[index]}. */
    public static void args(MemorySegment s, long index, long v) {
        s.setAtIndex(JAVA_LONG, args$OFFSET / JAVA_LONG.byteSize() + Objects.checkIndex(index, 4), v);
    }

    private static final long pad$OFFSET = LAYOUT.byteOffset(groupElement("pad"));
    private static final long pad$SIZE = LAYOUT.select(groupElement("pad")).byteSize();

    /** A zeroed {@code kvm_enable_cap}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmEnableCap() {}
}
