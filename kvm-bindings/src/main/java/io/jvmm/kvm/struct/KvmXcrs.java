package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct kvm_xcrs} (asm/kvm.h, KVM_GET_XCRS/KVM_SET_XCRS). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmXcrs {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("nr_xcrs"),
                    JAVA_INT.withName("flags"),
                    sequenceLayout(16, KvmXcr.LAYOUT).withName("xcrs"),
                    sequenceLayout(16, JAVA_LONG).withName("padding"))
            .withName("kvm_xcrs");

    private static final long nr_xcrs$OFFSET = LAYOUT.byteOffset(groupElement("nr_xcrs"));
    /** Reads {@code nr_xcrs}. */
    public static int nr_xcrs(MemorySegment s) {
        return s.get(JAVA_INT, nr_xcrs$OFFSET);
    }
    /** Writes {@code nr_xcrs}. */
    public static void nr_xcrs(MemorySegment s, int v) {
        s.set(JAVA_INT, nr_xcrs$OFFSET, v);
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

    private static final long xcrs$OFFSET = LAYOUT.byteOffset(groupElement("xcrs"));
    /** {@code xcrs[index]} as a slice of {@code s}, shaped by {@link KvmXcr}. */
    public static MemorySegment xcrs(MemorySegment s, long index) {
        return s.asSlice(xcrs$OFFSET + Objects.checkIndex(index, 16) * KvmXcr.LAYOUT.byteSize(), KvmXcr.LAYOUT);
    }

    private static final long padding$OFFSET = LAYOUT.byteOffset(groupElement("padding"));
    private static final long padding$SIZE =
            LAYOUT.select(groupElement("padding")).byteSize();

    /** A zeroed {@code kvm_xcrs}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmXcrs() {}
}
