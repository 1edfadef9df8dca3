package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct kvm_xsave} (asm/kvm.h, KVM_GET_XSAVE/KVM_SET_XSAVE; the 4096-byte legacy form). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmXsave {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT =
            structLayout(sequenceLayout(1024, JAVA_INT).withName("region")).withName("kvm_xsave");

    private static final long region$OFFSET = LAYOUT.byteOffset(groupElement("region"));
    private static final long region$SIZE =
            LAYOUT.select(groupElement("region")).byteSize();
    /** The {@code region} array as a slice of {@code s}. */
    public static MemorySegment region(MemorySegment s) {
        return s.asSlice(region$OFFSET, region$SIZE);
    }
    /** Reads {@code region[index]}. */
    public static int region(MemorySegment s, long index) {
        return s.getAtIndex(JAVA_INT, region$OFFSET / JAVA_INT.byteSize() + Objects.checkIndex(index, 1024));
    }
    /** Writes {@code region[index]}. */
    public static void region(MemorySegment s, long index, int v) {
        s.setAtIndex(JAVA_INT, region$OFFSET / JAVA_INT.byteSize() + Objects.checkIndex(index, 1024), v);
    }

    /** A zeroed {@code kvm_xsave}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmXsave() {}
}
