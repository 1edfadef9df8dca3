package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_dtable} (asm/kvm.h, the GDT/IDT registers inside kvm_sregs). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmDtable {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_LONG.withName("base"),
                    JAVA_SHORT.withName("limit"),
                    sequenceLayout(3, JAVA_SHORT).withName("padding"))
            .withName("kvm_dtable");

    private static final long base$OFFSET = LAYOUT.byteOffset(groupElement("base"));
    /** Reads {@code base}. */
    public static long base(MemorySegment s) {
        return s.get(JAVA_LONG, base$OFFSET);
    }
    /** Writes {@code base}. */
    public static void base(MemorySegment s, long v) {
        s.set(JAVA_LONG, base$OFFSET, v);
    }

    private static final long limit$OFFSET = LAYOUT.byteOffset(groupElement("limit"));
    /** Reads {@code limit}. */
    public static short limit(MemorySegment s) {
        return s.get(JAVA_SHORT, limit$OFFSET);
    }
    /** Writes {@code limit}. */
    public static void limit(MemorySegment s, short v) {
        s.set(JAVA_SHORT, limit$OFFSET, v);
    }

    private static final long padding$OFFSET = LAYOUT.byteOffset(groupElement("padding"));
    private static final long padding$SIZE =
            LAYOUT.select(groupElement("padding")).byteSize();

    /** A zeroed {@code kvm_dtable}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmDtable() {}
}
