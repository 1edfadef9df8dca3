package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_cpuid2} (asm/kvm.h, KVM_SET_CPUID2/KVM_GET_CPUID2/KVM_GET_SUPPORTED_CPUID; header of a flexible array). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmCpuid2 {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("nent"),
                    JAVA_INT.withName("padding"),
                    sequenceLayout(0, KvmCpuidEntry2.LAYOUT).withName("entries"))
            .withName("kvm_cpuid2");

    private static final long nent$OFFSET = LAYOUT.byteOffset(groupElement("nent"));
    /** Reads {@code nent}. */
    public static int nent(MemorySegment s) {
        return s.get(JAVA_INT, nent$OFFSET);
    }
    /** Writes {@code nent}. */
    public static void nent(MemorySegment s, int v) {
        s.set(JAVA_INT, nent$OFFSET, v);
    }

    private static final long padding$OFFSET = LAYOUT.byteOffset(groupElement("padding"));
    private static final long entries$OFFSET = LAYOUT.byteOffset(groupElement("entries"));
    /** {@code entries[index]} as a slice of {@code s}, shaped by {@link KvmCpuidEntry2}. */
    public static MemorySegment entries(MemorySegment s, long index) {
        return s.asSlice(entries$OFFSET + index * KvmCpuidEntry2.LAYOUT.byteSize(), KvmCpuidEntry2.LAYOUT);
    }

    /** A zeroed {@code kvm_cpuid2}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    /** A zeroed {@code kvm_cpuid2} header followed by room for {@code count} {@code entries} entries. */
    public static MemorySegment allocate(SegmentAllocator allocator, int count) {
        if (count < 0) throw new IllegalArgumentException("entries count must be >= 0, got " + count);
        return allocator.allocate(LAYOUT.byteSize() + (long) count * KvmCpuidEntry2.LAYOUT.byteSize(), 8);
    }

    private KvmCpuid2() {}
}
