package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_xcr} (asm/kvm.h, one entry of kvm_xcrs). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmXcr {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("xcr"), JAVA_INT.withName("reserved"), JAVA_LONG.withName("value"))
            .withName("kvm_xcr");

    private static final long xcr$OFFSET = LAYOUT.byteOffset(groupElement("xcr"));
    /** Reads {@code xcr}. */
    public static int xcr(MemorySegment s) {
        return s.get(JAVA_INT, xcr$OFFSET);
    }
    /** Writes {@code xcr}. */
    public static void xcr(MemorySegment s, int v) {
        s.set(JAVA_INT, xcr$OFFSET, v);
    }

    private static final long reserved$OFFSET = LAYOUT.byteOffset(groupElement("reserved"));
    private static final long value$OFFSET = LAYOUT.byteOffset(groupElement("value"));
    /** Reads {@code value}. */
    public static long value(MemorySegment s) {
        return s.get(JAVA_LONG, value$OFFSET);
    }
    /** Writes {@code value}. */
    public static void value(MemorySegment s, long v) {
        s.set(JAVA_LONG, value$OFFSET, v);
    }

    /** A zeroed {@code kvm_xcr}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmXcr() {}
}
