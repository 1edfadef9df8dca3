package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_msr_entry} (asm/kvm.h, one entry of kvm_msrs). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmMsrEntry {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("index"), JAVA_INT.withName("reserved"), JAVA_LONG.withName("data"))
            .withName("kvm_msr_entry");

    private static final long index$OFFSET = LAYOUT.byteOffset(groupElement("index"));
    /** Reads {@code index}. */
    public static int index(MemorySegment s) {
        return s.get(JAVA_INT, index$OFFSET);
    }
    /** Writes {@code index}. */
    public static void index(MemorySegment s, int v) {
        s.set(JAVA_INT, index$OFFSET, v);
    }

    private static final long reserved$OFFSET = LAYOUT.byteOffset(groupElement("reserved"));
    private static final long data$OFFSET = LAYOUT.byteOffset(groupElement("data"));
    /** Reads {@code data}. */
    public static long data(MemorySegment s) {
        return s.get(JAVA_LONG, data$OFFSET);
    }
    /** Writes {@code data}. */
    public static void data(MemorySegment s, long v) {
        s.set(JAVA_LONG, data$OFFSET, v);
    }

    /** A zeroed {@code kvm_msr_entry}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmMsrEntry() {}
}
