package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_msrs} (asm/kvm.h, KVM_GET_MSRS/KVM_SET_MSRS; header of a flexible array). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmMsrs {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("nmsrs"),
                    JAVA_INT.withName("pad"),
                    sequenceLayout(0, KvmMsrEntry.LAYOUT).withName("entries"))
            .withName("kvm_msrs");

    private static final long nmsrs$OFFSET = LAYOUT.byteOffset(groupElement("nmsrs"));
    /** Reads {@code nmsrs}. */
    public static int nmsrs(MemorySegment s) {
        return s.get(JAVA_INT, nmsrs$OFFSET);
    }
    /** Writes {@code nmsrs}. */
    public static void nmsrs(MemorySegment s, int v) {
        s.set(JAVA_INT, nmsrs$OFFSET, v);
    }

    private static final long pad$OFFSET = LAYOUT.byteOffset(groupElement("pad"));
    private static final long entries$OFFSET = LAYOUT.byteOffset(groupElement("entries"));
    /** {@code entries[index]} as a slice of {@code s}, shaped by {@link KvmMsrEntry}. */
    public static MemorySegment entries(MemorySegment s, long index) {
        return s.asSlice(entries$OFFSET + index * KvmMsrEntry.LAYOUT.byteSize(), KvmMsrEntry.LAYOUT);
    }

    /** A zeroed {@code kvm_msrs}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    /** A zeroed {@code kvm_msrs} header followed by room for {@code count} {@code entries} entries. */
    public static MemorySegment allocate(SegmentAllocator allocator, int count) {
        if (count < 0) throw new IllegalArgumentException("entries count must be >= 0, got " + count);
        return allocator.allocate(LAYOUT.byteSize() + (long) count * KvmMsrEntry.LAYOUT.byteSize(), 8);
    }

    private KvmMsrs() {}
}
