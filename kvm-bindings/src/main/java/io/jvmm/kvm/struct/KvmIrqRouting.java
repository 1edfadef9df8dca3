package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_irq_routing} (linux/kvm.h, KVM_SET_GSI_ROUTING; header of a flexible array). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmIrqRouting {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("nr"),
                    JAVA_INT.withName("flags"),
                    sequenceLayout(0, KvmIrqRoutingEntry.LAYOUT).withName("entries"))
            .withName("kvm_irq_routing");

    private static final long nr$OFFSET = LAYOUT.byteOffset(groupElement("nr"));
    /** Reads {@code nr}. */
    public static int nr(MemorySegment s) {
        return s.get(JAVA_INT, nr$OFFSET);
    }
    /** Writes {@code nr}. */
    public static void nr(MemorySegment s, int v) {
        s.set(JAVA_INT, nr$OFFSET, v);
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

    private static final long entries$OFFSET = LAYOUT.byteOffset(groupElement("entries"));
    /** {@code entries[index]} as a slice of {@code s}, shaped by {@link KvmIrqRoutingEntry}. */
    public static MemorySegment entries(MemorySegment s, long index) {
        return s.asSlice(entries$OFFSET + index * KvmIrqRoutingEntry.LAYOUT.byteSize(), KvmIrqRoutingEntry.LAYOUT);
    }

    /** A zeroed {@code kvm_irq_routing}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    /** A zeroed {@code kvm_irq_routing} header followed by room for {@code count} {@code entries} entries. */
    public static MemorySegment allocate(SegmentAllocator allocator, int count) {
        if (count < 0) throw new IllegalArgumentException("entries count must be >= 0, got " + count);
        return allocator.allocate(LAYOUT.byteSize() + (long) count * KvmIrqRoutingEntry.LAYOUT.byteSize(), 8);
    }

    private KvmIrqRouting() {}
}
