package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct kvm_sregs} (asm/kvm.h, KVM_GET_SREGS/KVM_SET_SREGS). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmSregs {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    KvmSegment.LAYOUT.withName("cs"),
                    KvmSegment.LAYOUT.withName("ds"),
                    KvmSegment.LAYOUT.withName("es"),
                    KvmSegment.LAYOUT.withName("fs"),
                    KvmSegment.LAYOUT.withName("gs"),
                    KvmSegment.LAYOUT.withName("ss"),
                    KvmSegment.LAYOUT.withName("tr"),
                    KvmSegment.LAYOUT.withName("ldt"),
                    KvmDtable.LAYOUT.withName("gdt"),
                    KvmDtable.LAYOUT.withName("idt"),
                    JAVA_LONG.withName("cr0"),
                    JAVA_LONG.withName("cr2"),
                    JAVA_LONG.withName("cr3"),
                    JAVA_LONG.withName("cr4"),
                    JAVA_LONG.withName("cr8"),
                    JAVA_LONG.withName("efer"),
                    JAVA_LONG.withName("apic_base"),
                    sequenceLayout(4, JAVA_LONG).withName("interrupt_bitmap"))
            .withName("kvm_sregs");

    private static final long cs$OFFSET = LAYOUT.byteOffset(groupElement("cs"));
    /** {@code cs} as a slice of {@code s}, shaped by {@link KvmSegment}. */
    public static MemorySegment cs(MemorySegment s) {
        return s.asSlice(cs$OFFSET, KvmSegment.LAYOUT);
    }

    private static final long ds$OFFSET = LAYOUT.byteOffset(groupElement("ds"));
    /** {@code ds} as a slice of {@code s}, shaped by {@link KvmSegment}. */
    public static MemorySegment ds(MemorySegment s) {
        return s.asSlice(ds$OFFSET, KvmSegment.LAYOUT);
    }

    private static final long es$OFFSET = LAYOUT.byteOffset(groupElement("es"));
    /** {@code es} as a slice of {@code s}, shaped by {@link KvmSegment}. */
    public static MemorySegment es(MemorySegment s) {
        return s.asSlice(es$OFFSET, KvmSegment.LAYOUT);
    }

    private static final long fs$OFFSET = LAYOUT.byteOffset(groupElement("fs"));
    /** {@code fs} as a slice of {@code s}, shaped by {@link KvmSegment}. */
    public static MemorySegment fs(MemorySegment s) {
        return s.asSlice(fs$OFFSET, KvmSegment.LAYOUT);
    }

    private static final long gs$OFFSET = LAYOUT.byteOffset(groupElement("gs"));
    /** {@code gs} as a slice of {@code s}, shaped by {@link KvmSegment}. */
    public static MemorySegment gs(MemorySegment s) {
        return s.asSlice(gs$OFFSET, KvmSegment.LAYOUT);
    }

    private static final long ss$OFFSET = LAYOUT.byteOffset(groupElement("ss"));
    /** {@code ss} as a slice of {@code s}, shaped by {@link KvmSegment}. */
    public static MemorySegment ss(MemorySegment s) {
        return s.asSlice(ss$OFFSET, KvmSegment.LAYOUT);
    }

    private static final long tr$OFFSET = LAYOUT.byteOffset(groupElement("tr"));
    /** {@code tr} as a slice of {@code s}, shaped by {@link KvmSegment}. */
    public static MemorySegment tr(MemorySegment s) {
        return s.asSlice(tr$OFFSET, KvmSegment.LAYOUT);
    }

    private static final long ldt$OFFSET = LAYOUT.byteOffset(groupElement("ldt"));
    /** {@code ldt} as a slice of {@code s}, shaped by {@link KvmSegment}. */
    public static MemorySegment ldt(MemorySegment s) {
        return s.asSlice(ldt$OFFSET, KvmSegment.LAYOUT);
    }

    private static final long gdt$OFFSET = LAYOUT.byteOffset(groupElement("gdt"));
    /** {@code gdt} as a slice of {@code s}, shaped by {@link KvmDtable}. */
    public static MemorySegment gdt(MemorySegment s) {
        return s.asSlice(gdt$OFFSET, KvmDtable.LAYOUT);
    }

    private static final long idt$OFFSET = LAYOUT.byteOffset(groupElement("idt"));
    /** {@code idt} as a slice of {@code s}, shaped by {@link KvmDtable}. */
    public static MemorySegment idt(MemorySegment s) {
        return s.asSlice(idt$OFFSET, KvmDtable.LAYOUT);
    }

    private static final long cr0$OFFSET = LAYOUT.byteOffset(groupElement("cr0"));
    /** Reads {@code cr0}. */
    public static long cr0(MemorySegment s) {
        return s.get(JAVA_LONG, cr0$OFFSET);
    }
    /** Writes {@code cr0}. */
    public static void cr0(MemorySegment s, long v) {
        s.set(JAVA_LONG, cr0$OFFSET, v);
    }

    private static final long cr2$OFFSET = LAYOUT.byteOffset(groupElement("cr2"));
    /** Reads {@code cr2}. */
    public static long cr2(MemorySegment s) {
        return s.get(JAVA_LONG, cr2$OFFSET);
    }
    /** Writes {@code cr2}. */
    public static void cr2(MemorySegment s, long v) {
        s.set(JAVA_LONG, cr2$OFFSET, v);
    }

    private static final long cr3$OFFSET = LAYOUT.byteOffset(groupElement("cr3"));
    /** Reads {@code cr3}. */
    public static long cr3(MemorySegment s) {
        return s.get(JAVA_LONG, cr3$OFFSET);
    }
    /** Writes {@code cr3}. */
    public static void cr3(MemorySegment s, long v) {
        s.set(JAVA_LONG, cr3$OFFSET, v);
    }

    private static final long cr4$OFFSET = LAYOUT.byteOffset(groupElement("cr4"));
    /** Reads {@code cr4}. */
    public static long cr4(MemorySegment s) {
        return s.get(JAVA_LONG, cr4$OFFSET);
    }
    /** Writes {@code cr4}. */
    public static void cr4(MemorySegment s, long v) {
        s.set(JAVA_LONG, cr4$OFFSET, v);
    }

    private static final long cr8$OFFSET = LAYOUT.byteOffset(groupElement("cr8"));
    /** Reads {@code cr8}. */
    public static long cr8(MemorySegment s) {
        return s.get(JAVA_LONG, cr8$OFFSET);
    }
    /** Writes {@code cr8}. */
    public static void cr8(MemorySegment s, long v) {
        s.set(JAVA_LONG, cr8$OFFSET, v);
    }

    private static final long efer$OFFSET = LAYOUT.byteOffset(groupElement("efer"));
    /** Reads {@code efer}. */
    public static long efer(MemorySegment s) {
        return s.get(JAVA_LONG, efer$OFFSET);
    }
    /** Writes {@code efer}. */
    public static void efer(MemorySegment s, long v) {
        s.set(JAVA_LONG, efer$OFFSET, v);
    }

    private static final long apic_base$OFFSET = LAYOUT.byteOffset(groupElement("apic_base"));
    /** Reads {@code apic_base}. */
    public static long apic_base(MemorySegment s) {
        return s.get(JAVA_LONG, apic_base$OFFSET);
    }
    /** Writes {@code apic_base}. */
    public static void apic_base(MemorySegment s, long v) {
        s.set(JAVA_LONG, apic_base$OFFSET, v);
    }

    private static final long interrupt_bitmap$OFFSET = LAYOUT.byteOffset(groupElement("interrupt_bitmap"));
    private static final long interrupt_bitmap$SIZE =
            LAYOUT.select(groupElement("interrupt_bitmap")).byteSize();
    /** The {@code interrupt_bitmap} array as a slice of {@code s}. */
    public static MemorySegment interrupt_bitmap(MemorySegment s) {
        return s.asSlice(interrupt_bitmap$OFFSET, interrupt_bitmap$SIZE);
    }
    /** Reads {@code interrupt_bitmap[index]}. */
    public static long interrupt_bitmap(MemorySegment s, long index) {
        return s.getAtIndex(JAVA_LONG, interrupt_bitmap$OFFSET / JAVA_LONG.byteSize() + Objects.checkIndex(index, 4));
    }
    /** Writes {@code interrupt_bitmap[index]}. */
    public static void interrupt_bitmap(MemorySegment s, long index, long v) {
        s.setAtIndex(JAVA_LONG, interrupt_bitmap$OFFSET / JAVA_LONG.byteSize() + Objects.checkIndex(index, 4), v);
    }

    /** A zeroed {@code kvm_sregs}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmSregs() {}
}
