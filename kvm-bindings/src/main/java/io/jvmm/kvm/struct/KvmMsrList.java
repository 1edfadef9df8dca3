package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_msr_list} (asm/kvm.h, KVM_GET_MSR_INDEX_LIST; header of a flexible array). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmMsrList {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("nmsrs"), sequenceLayout(0, JAVA_INT).withName("indices"))
            .withName("kvm_msr_list");

    private static final long nmsrs$OFFSET = LAYOUT.byteOffset(groupElement("nmsrs"));
    /** Reads {@code nmsrs}. */
    public static int nmsrs(MemorySegment s) {
        return s.get(JAVA_INT, nmsrs$OFFSET);
    }
    /** Writes {@code nmsrs}. */
    public static void nmsrs(MemorySegment s, int v) {
        s.set(JAVA_INT, nmsrs$OFFSET, v);
    }

    private static final long indices$OFFSET = LAYOUT.byteOffset(groupElement("indices"));
    private static final long indices$SIZE =
            LAYOUT.select(groupElement("indices")).byteSize();
    /** The {@code indices} array as a slice of {@code s}. */
    public static MemorySegment indices(MemorySegment s) {
        return s.asSlice(indices$OFFSET, indices$SIZE);
    }
    /** Reads {@code indices[index]}. */
    public static int indices(MemorySegment s, long index) {
        return s.getAtIndex(JAVA_INT, indices$OFFSET / JAVA_INT.byteSize() + index);
    }
    /** Writes {@code indices[index]}. */
    public static void indices(MemorySegment s, long index, int v) {
        s.setAtIndex(JAVA_INT, indices$OFFSET / JAVA_INT.byteSize() + index, v);
    }

    /** A zeroed {@code kvm_msr_list}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    /** A zeroed {@code kvm_msr_list} header followed by room for {@code count} {@code indices} entries. */
    public static MemorySegment allocate(SegmentAllocator allocator, int count) {
        if (count < 0) throw new IllegalArgumentException("indices count must be >= 0, got " + count);
        return allocator.allocate(LAYOUT.byteSize() + (long) count * 4L, 8);
    }

    private KvmMsrList() {}
}
