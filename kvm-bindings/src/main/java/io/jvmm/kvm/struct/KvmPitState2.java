package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct kvm_pit_state2} (asm/kvm.h, KVM_GET_PIT2/KVM_SET_PIT2). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmPitState2 {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    sequenceLayout(3, KvmPitChannelState.LAYOUT).withName("channels"),
                    JAVA_INT.withName("flags"),
                    sequenceLayout(9, JAVA_INT).withName("reserved"))
            .withName("kvm_pit_state2");

    private static final long channels$OFFSET = LAYOUT.byteOffset(groupElement("channels"));
    /** {@code channels[index]} as a slice of {@code s}, shaped by {@link KvmPitChannelState}. */
    public static MemorySegment channels(MemorySegment s, long index) {
        return s.asSlice(
                channels$OFFSET + Objects.checkIndex(index, 3) * KvmPitChannelState.LAYOUT.byteSize(),
                KvmPitChannelState.LAYOUT);
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

    private static final long reserved$OFFSET = LAYOUT.byteOffset(groupElement("reserved"));
    private static final long reserved$SIZE =
            LAYOUT.select(groupElement("reserved")).byteSize();

    /** A zeroed {@code kvm_pit_state2}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmPitState2() {}
}
