package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.MemoryLayout.unionLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_irqchip} (linux/kvm.h, KVM_GET_IRQCHIP/KVM_SET_IRQCHIP). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmIrqchip {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("chip_id"),
                    JAVA_INT.withName("pad"),
                    unionLayout(
                                    sequenceLayout(512, JAVA_BYTE).withName("dummy"),
                                    KvmPicState.LAYOUT.withName("pic"),
                                    KvmIoapicState.LAYOUT.withName("ioapic"))
                            .withName("chip"))
            .withName("kvm_irqchip");

    private static final long chip_id$OFFSET = LAYOUT.byteOffset(groupElement("chip_id"));
    /** Reads {@code chip_id}. */
    public static int chip_id(MemorySegment s) {
        return s.get(JAVA_INT, chip_id$OFFSET);
    }
    /** Writes {@code chip_id}. */
    public static void chip_id(MemorySegment s, int v) {
        s.set(JAVA_INT, chip_id$OFFSET, v);
    }

    private static final long pad$OFFSET = LAYOUT.byteOffset(groupElement("pad"));
    private static final long chip$OFFSET = LAYOUT.byteOffset(groupElement("chip"));
    /** {@code chip} as a slice of {@code s}. */
    public static MemorySegment chip(MemorySegment s) {
        return s.asSlice(chip$OFFSET, LAYOUT.select(groupElement("chip")).byteSize());
    }

    private static final long chip_dummy$OFFSET = LAYOUT.byteOffset(groupElement("chip"), groupElement("dummy"));
    private static final long chip_dummy$SIZE =
            LAYOUT.select(groupElement("chip"), groupElement("dummy")).byteSize();
    private static final long chip_pic$OFFSET = LAYOUT.byteOffset(groupElement("chip"), groupElement("pic"));
    /** {@code chip.pic} as a slice of {@code s}, shaped by {@link KvmPicState}. */
    public static MemorySegment chip_pic(MemorySegment s) {
        return s.asSlice(chip_pic$OFFSET, KvmPicState.LAYOUT);
    }

    private static final long chip_ioapic$OFFSET = LAYOUT.byteOffset(groupElement("chip"), groupElement("ioapic"));
    /** {@code chip.ioapic} as a slice of {@code s}, shaped by {@link KvmIoapicState}. */
    public static MemorySegment chip_ioapic(MemorySegment s) {
        return s.asSlice(chip_ioapic$OFFSET, KvmIoapicState.LAYOUT);
    }

    /** A zeroed {@code kvm_irqchip}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmIrqchip() {}
}
