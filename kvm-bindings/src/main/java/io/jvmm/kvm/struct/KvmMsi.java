package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_msi} (linux/kvm.h, KVM_SIGNAL_MSI). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmMsi {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("address_lo"),
                    JAVA_INT.withName("address_hi"),
                    JAVA_INT.withName("data"),
                    JAVA_INT.withName("flags"),
                    JAVA_INT.withName("devid"),
                    sequenceLayout(12, JAVA_BYTE).withName("pad"))
            .withName("kvm_msi");

    private static final long address_lo$OFFSET = LAYOUT.byteOffset(groupElement("address_lo"));
    /** Writes {@code address_lo}. */
    public static void address_lo(MemorySegment s, int v) {
        s.set(JAVA_INT, address_lo$OFFSET, v);
    }

    private static final long address_hi$OFFSET = LAYOUT.byteOffset(groupElement("address_hi"));
    /** Writes {@code address_hi}. */
    public static void address_hi(MemorySegment s, int v) {
        s.set(JAVA_INT, address_hi$OFFSET, v);
    }

    private static final long data$OFFSET = LAYOUT.byteOffset(groupElement("data"));
    /** Writes {@code data}. */
    public static void data(MemorySegment s, int v) {
        s.set(JAVA_INT, data$OFFSET, v);
    }

    private static final long flags$OFFSET = LAYOUT.byteOffset(groupElement("flags"));
    /** Writes {@code flags}. */
    public static void flags(MemorySegment s, int v) {
        s.set(JAVA_INT, flags$OFFSET, v);
    }

    /** A zeroed {@code kvm_msi}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmMsi() {}
}
