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
 * {@code struct kvm_irqfd} (linux/kvm.h, KVM_IRQFD). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmIrqfd {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("fd"),
                    JAVA_INT.withName("gsi"),
                    JAVA_INT.withName("flags"),
                    JAVA_INT.withName("resamplefd"),
                    sequenceLayout(16, JAVA_BYTE).withName("pad"))
            .withName("kvm_irqfd");

    private static final long fd$OFFSET = LAYOUT.byteOffset(groupElement("fd"));
    /** Reads {@code fd}. */
    public static int fd(MemorySegment s) {
        return s.get(JAVA_INT, fd$OFFSET);
    }
    /** Writes {@code fd}. */
    public static void fd(MemorySegment s, int v) {
        s.set(JAVA_INT, fd$OFFSET, v);
    }

    private static final long gsi$OFFSET = LAYOUT.byteOffset(groupElement("gsi"));
    /** Reads {@code gsi}. */
    public static int gsi(MemorySegment s) {
        return s.get(JAVA_INT, gsi$OFFSET);
    }
    /** Writes {@code gsi}. */
    public static void gsi(MemorySegment s, int v) {
        s.set(JAVA_INT, gsi$OFFSET, v);
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

    private static final long resamplefd$OFFSET = LAYOUT.byteOffset(groupElement("resamplefd"));
    /** Reads {@code resamplefd}. */
    public static int resamplefd(MemorySegment s) {
        return s.get(JAVA_INT, resamplefd$OFFSET);
    }
    /** Writes {@code resamplefd}. */
    public static void resamplefd(MemorySegment s, int v) {
        s.set(JAVA_INT, resamplefd$OFFSET, v);
    }

    private static final long pad$OFFSET = LAYOUT.byteOffset(groupElement("pad"));
    private static final long pad$SIZE = LAYOUT.select(groupElement("pad")).byteSize();

    /** A zeroed {@code kvm_irqfd}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmIrqfd() {}
}
