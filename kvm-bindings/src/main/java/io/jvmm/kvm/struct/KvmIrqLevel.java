package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_irq_level} (linux/kvm.h, KVM_IRQ_LINE; irq shares its union with status). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmIrqLevel {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT =
            structLayout(JAVA_INT.withName("irq"), JAVA_INT.withName("level")).withName("kvm_irq_level");

    private static final long irq$OFFSET = LAYOUT.byteOffset(groupElement("irq"));
    /** Reads {@code irq}. */
    public static int irq(MemorySegment s) {
        return s.get(JAVA_INT, irq$OFFSET);
    }
    /** Writes {@code irq}. */
    public static void irq(MemorySegment s, int v) {
        s.set(JAVA_INT, irq$OFFSET, v);
    }

    private static final long level$OFFSET = LAYOUT.byteOffset(groupElement("level"));
    /** Reads {@code level}. */
    public static int level(MemorySegment s) {
        return s.get(JAVA_INT, level$OFFSET);
    }
    /** Writes {@code level}. */
    public static void level(MemorySegment s, int v) {
        s.set(JAVA_INT, level$OFFSET, v);
    }

    /** A zeroed {@code kvm_irq_level}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmIrqLevel() {}
}
