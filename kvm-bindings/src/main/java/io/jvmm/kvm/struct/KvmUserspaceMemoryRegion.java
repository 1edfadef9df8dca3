package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_userspace_memory_region} (linux/kvm.h, KVM_SET_USER_MEMORY_REGION). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmUserspaceMemoryRegion {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("slot"),
                    JAVA_INT.withName("flags"),
                    JAVA_LONG.withName("guest_phys_addr"),
                    JAVA_LONG.withName("memory_size"),
                    JAVA_LONG.withName("userspace_addr"))
            .withName("kvm_userspace_memory_region");

    private static final long slot$OFFSET = LAYOUT.byteOffset(groupElement("slot"));
    /** Reads {@code slot}. */
    public static int slot(MemorySegment s) {
        return s.get(JAVA_INT, slot$OFFSET);
    }
    /** Writes {@code slot}. */
    public static void slot(MemorySegment s, int v) {
        s.set(JAVA_INT, slot$OFFSET, v);
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

    private static final long guest_phys_addr$OFFSET = LAYOUT.byteOffset(groupElement("guest_phys_addr"));
    /** Reads {@code guest_phys_addr}. */
    public static long guest_phys_addr(MemorySegment s) {
        return s.get(JAVA_LONG, guest_phys_addr$OFFSET);
    }
    /** Writes {@code guest_phys_addr}. */
    public static void guest_phys_addr(MemorySegment s, long v) {
        s.set(JAVA_LONG, guest_phys_addr$OFFSET, v);
    }

    private static final long memory_size$OFFSET = LAYOUT.byteOffset(groupElement("memory_size"));
    /** Reads {@code memory_size}. */
    public static long memory_size(MemorySegment s) {
        return s.get(JAVA_LONG, memory_size$OFFSET);
    }
    /** Writes {@code memory_size}. */
    public static void memory_size(MemorySegment s, long v) {
        s.set(JAVA_LONG, memory_size$OFFSET, v);
    }

    private static final long userspace_addr$OFFSET = LAYOUT.byteOffset(groupElement("userspace_addr"));
    /** Reads {@code userspace_addr}. */
    public static long userspace_addr(MemorySegment s) {
        return s.get(JAVA_LONG, userspace_addr$OFFSET);
    }
    /** Writes {@code userspace_addr}. */
    public static void userspace_addr(MemorySegment s, long v) {
        s.set(JAVA_LONG, userspace_addr$OFFSET, v);
    }

    /** A zeroed {@code kvm_userspace_memory_region}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmUserspaceMemoryRegion() {}
}
