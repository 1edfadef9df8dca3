package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_ioeventfd} (linux/kvm.h, KVM_IOEVENTFD). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmIoeventfd {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_LONG.withName("datamatch"),
                    JAVA_LONG.withName("addr"),
                    JAVA_INT.withName("len"),
                    JAVA_INT.withName("fd"),
                    JAVA_INT.withName("flags"),
                    sequenceLayout(36, JAVA_BYTE).withName("pad"))
            .withName("kvm_ioeventfd");

    private static final long datamatch$OFFSET = LAYOUT.byteOffset(groupElement("datamatch"));
    /** Reads {@code datamatch}. */
    public static long datamatch(MemorySegment s) {
        return s.get(JAVA_LONG, datamatch$OFFSET);
    }
    /** Writes {@code datamatch}. */
    public static void datamatch(MemorySegment s, long v) {
        s.set(JAVA_LONG, datamatch$OFFSET, v);
    }

    private static final long addr$OFFSET = LAYOUT.byteOffset(groupElement("addr"));
    /** Reads {@code addr}. */
    public static long addr(MemorySegment s) {
        return s.get(JAVA_LONG, addr$OFFSET);
    }
    /** Writes {@code addr}. */
    public static void addr(MemorySegment s, long v) {
        s.set(JAVA_LONG, addr$OFFSET, v);
    }

    private static final long len$OFFSET = LAYOUT.byteOffset(groupElement("len"));
    /** Reads {@code len}. */
    public static int len(MemorySegment s) {
        return s.get(JAVA_INT, len$OFFSET);
    }
    /** Writes {@code len}. */
    public static void len(MemorySegment s, int v) {
        s.set(JAVA_INT, len$OFFSET, v);
    }

    private static final long fd$OFFSET = LAYOUT.byteOffset(groupElement("fd"));
    /** Reads {@code fd}. */
    public static int fd(MemorySegment s) {
        return s.get(JAVA_INT, fd$OFFSET);
    }
    /** Writes {@code fd}. */
    public static void fd(MemorySegment s, int v) {
        s.set(JAVA_INT, fd$OFFSET, v);
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

    private static final long pad$OFFSET = LAYOUT.byteOffset(groupElement("pad"));
    private static final long pad$SIZE = LAYOUT.select(groupElement("pad")).byteSize();

    /** A zeroed {@code kvm_ioeventfd}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmIoeventfd() {}
}
