package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_pit_config} (linux/kvm.h, KVM_CREATE_PIT2). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmPitConfig {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("flags"), sequenceLayout(15, JAVA_INT).withName("pad"))
            .withName("kvm_pit_config");

    private static final long flags$OFFSET = LAYOUT.byteOffset(groupElement("flags"));
    /** Reads {@code flags}. */
    public static int flags(MemorySegment s) {
        return s.get(JAVA_INT, flags$OFFSET);
    }
    /** Writes {@code flags}. */
    public static void flags(MemorySegment s, int v) {
        s.set(JAVA_INT, flags$OFFSET, v);
    }

    private static final long pad$OFFSET = LAYOUT.byteOffset(groupElement("pad"));
    private static final long pad$SIZE = LAYOUT.select(groupElement("pad")).byteSize();

    /** A zeroed {@code kvm_pit_config}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmPitConfig() {}
}
