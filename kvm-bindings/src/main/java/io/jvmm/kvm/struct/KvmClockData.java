package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_clock_data} (linux/kvm.h, KVM_GET_CLOCK/KVM_SET_CLOCK). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmClockData {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_LONG.withName("clock"),
                    JAVA_INT.withName("flags"),
                    JAVA_INT.withName("pad0"),
                    JAVA_LONG.withName("realtime"),
                    JAVA_LONG.withName("host_tsc"),
                    sequenceLayout(4, JAVA_INT).withName("pad"))
            .withName("kvm_clock_data");

    private static final long clock$OFFSET = LAYOUT.byteOffset(groupElement("clock"));
    /** Reads {@code clock}. */
    public static long clock(MemorySegment s) {
        return s.get(JAVA_LONG, clock$OFFSET);
    }
    /** Writes {@code clock}. */
    public static void clock(MemorySegment s, long v) {
        s.set(JAVA_LONG, clock$OFFSET, v);
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

    private static final long pad0$OFFSET = LAYOUT.byteOffset(groupElement("pad0"));
    private static final long realtime$OFFSET = LAYOUT.byteOffset(groupElement("realtime"));
    /** Reads {@code realtime}. */
    public static long realtime(MemorySegment s) {
        return s.get(JAVA_LONG, realtime$OFFSET);
    }
    /** Writes {@code realtime}. */
    public static void realtime(MemorySegment s, long v) {
        s.set(JAVA_LONG, realtime$OFFSET, v);
    }

    private static final long host_tsc$OFFSET = LAYOUT.byteOffset(groupElement("host_tsc"));
    /** Reads {@code host_tsc}. */
    public static long host_tsc(MemorySegment s) {
        return s.get(JAVA_LONG, host_tsc$OFFSET);
    }
    /** Writes {@code host_tsc}. */
    public static void host_tsc(MemorySegment s, long v) {
        s.set(JAVA_LONG, host_tsc$OFFSET, v);
    }

    private static final long pad$OFFSET = LAYOUT.byteOffset(groupElement("pad"));
    private static final long pad$SIZE = LAYOUT.select(groupElement("pad")).byteSize();

    /** A zeroed {@code kvm_clock_data}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmClockData() {}
}
