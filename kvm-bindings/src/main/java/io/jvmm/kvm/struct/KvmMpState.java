package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_mp_state} (linux/kvm.h, KVM_GET_MP_STATE/KVM_SET_MP_STATE). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmMpState {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT =
            structLayout(JAVA_INT.withName("mp_state")).withName("kvm_mp_state");

    private static final long mp_state$OFFSET = LAYOUT.byteOffset(groupElement("mp_state"));
    /** Reads {@code mp_state}. */
    public static int mp_state(MemorySegment s) {
        return s.get(JAVA_INT, mp_state$OFFSET);
    }
    /** Writes {@code mp_state}. */
    public static void mp_state(MemorySegment s, int v) {
        s.set(JAVA_INT, mp_state$OFFSET, v);
    }

    /** A zeroed {@code kvm_mp_state}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmMpState() {}
}
