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
 * {@code struct kvm_ioapic_state} (asm/kvm.h, the IOAPIC inside kvm_irqchip; redirtbl entries are raw 64-bit words). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmIoapicState {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_LONG.withName("base_address"),
                    JAVA_INT.withName("ioregsel"),
                    JAVA_INT.withName("id"),
                    JAVA_INT.withName("irr"),
                    JAVA_INT.withName("pad"),
                    sequenceLayout(24, JAVA_LONG).withName("redirtbl"))
            .withName("kvm_ioapic_state");

    private static final long base_address$OFFSET = LAYOUT.byteOffset(groupElement("base_address"));
    /** Reads {@code base_address}. */
    public static long base_address(MemorySegment s) {
        return s.get(JAVA_LONG, base_address$OFFSET);
    }
    /** Writes {@code base_address}. */
    public static void base_address(MemorySegment s, long v) {
        s.set(JAVA_LONG, base_address$OFFSET, v);
    }

    private static final long ioregsel$OFFSET = LAYOUT.byteOffset(groupElement("ioregsel"));
    /** Reads {@code ioregsel}. */
    public static int ioregsel(MemorySegment s) {
        return s.get(JAVA_INT, ioregsel$OFFSET);
    }
    /** Writes {@code ioregsel}. */
    public static void ioregsel(MemorySegment s, int v) {
        s.set(JAVA_INT, ioregsel$OFFSET, v);
    }

    private static final long id$OFFSET = LAYOUT.byteOffset(groupElement("id"));
    /** Reads {@code id}. */
    public static int id(MemorySegment s) {
        return s.get(JAVA_INT, id$OFFSET);
    }
    /** Writes {@code id}. */
    public static void id(MemorySegment s, int v) {
        s.set(JAVA_INT, id$OFFSET, v);
    }

    private static final long irr$OFFSET = LAYOUT.byteOffset(groupElement("irr"));
    /** Reads {@code irr}. */
    public static int irr(MemorySegment s) {
        return s.get(JAVA_INT, irr$OFFSET);
    }
    /** Writes {@code irr}. */
    public static void irr(MemorySegment s, int v) {
        s.set(JAVA_INT, irr$OFFSET, v);
    }

    private static final long pad$OFFSET = LAYOUT.byteOffset(groupElement("pad"));
    private static final long redirtbl$OFFSET = LAYOUT.byteOffset(groupElement("redirtbl"));
    private static final long redirtbl$SIZE =
            LAYOUT.select(groupElement("redirtbl")).byteSize();
    /** The {@code redirtbl} array as a slice of {@code s}. */
    public static MemorySegment redirtbl(MemorySegment s) {
        return s.asSlice(redirtbl$OFFSET, redirtbl$SIZE);
    }
    /** Reads {@code redirtbl[index]}. */
    public static long redirtbl(MemorySegment s, long index) {
        return s.getAtIndex(JAVA_LONG, redirtbl$OFFSET / JAVA_LONG.byteSize() + Objects.checkIndex(index, 24));
    }
    /** Writes {@code redirtbl[index]}. */
    public static void redirtbl(MemorySegment s, long index, long v) {
        s.setAtIndex(JAVA_LONG, redirtbl$OFFSET / JAVA_LONG.byteSize() + Objects.checkIndex(index, 24), v);
    }

    /** A zeroed {@code kvm_ioapic_state}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmIoapicState() {}
}
