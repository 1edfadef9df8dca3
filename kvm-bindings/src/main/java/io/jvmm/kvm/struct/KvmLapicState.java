package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct kvm_lapic_state} (asm/kvm.h, KVM_GET_LAPIC/KVM_SET_LAPIC; the APIC register page). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmLapicState {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT =
            structLayout(sequenceLayout(1024, JAVA_BYTE).withName("regs")).withName("kvm_lapic_state");

    private static final long regs$OFFSET = LAYOUT.byteOffset(groupElement("regs"));
    private static final long regs$SIZE = LAYOUT.select(groupElement("regs")).byteSize();
    /** The {@code regs} array as a slice of {@code s}. */
    public static MemorySegment regs(MemorySegment s) {
        return s.asSlice(regs$OFFSET, regs$SIZE);
    }
    /** Reads {@code regs[index]}. */
    public static byte regs(MemorySegment s, long index) {
        return s.getAtIndex(JAVA_BYTE, regs$OFFSET / JAVA_BYTE.byteSize() + Objects.checkIndex(index, 1024));
    }
    /** Writes {@code regs[index]}. */
    public static void regs(MemorySegment s, long index, byte v) {
        s.setAtIndex(JAVA_BYTE, regs$OFFSET / JAVA_BYTE.byteSize() + Objects.checkIndex(index, 1024), v);
    }

    /** A zeroed {@code kvm_lapic_state}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmLapicState() {}
}
