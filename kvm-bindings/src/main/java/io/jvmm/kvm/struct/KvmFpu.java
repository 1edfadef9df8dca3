package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;
import java.util.Objects;

/**
 * {@code struct kvm_fpu} (asm/kvm.h, KVM_GET_FPU/KVM_SET_FPU; fxsave format). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmFpu {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    sequenceLayout(128, JAVA_BYTE).withName("fpr"),
                    JAVA_SHORT.withName("fcw"),
                    JAVA_SHORT.withName("fsw"),
                    JAVA_BYTE.withName("ftwx"),
                    JAVA_BYTE.withName("pad1"),
                    JAVA_SHORT.withName("last_opcode"),
                    JAVA_LONG.withName("last_ip"),
                    JAVA_LONG.withName("last_dp"),
                    sequenceLayout(256, JAVA_BYTE).withName("xmm"),
                    JAVA_INT.withName("mxcsr"),
                    JAVA_INT.withName("pad2"))
            .withName("kvm_fpu");

    private static final long fpr$OFFSET = LAYOUT.byteOffset(groupElement("fpr"));
    private static final long fpr$SIZE = LAYOUT.select(groupElement("fpr")).byteSize();
    /** The {@code fpr} array as a slice of {@code s}. */
    public static MemorySegment fpr(MemorySegment s) {
        return s.asSlice(fpr$OFFSET, fpr$SIZE);
    }
    /** Reads {@code fpr[index]}. */
    public static byte fpr(MemorySegment s, long index) {
        return s.getAtIndex(JAVA_BYTE, fpr$OFFSET / JAVA_BYTE.byteSize() + Objects.checkIndex(index, 128));
    }
    /** Writes {@code fpr[index]}. */
    public static void fpr(MemorySegment s, long index, byte v) {
        s.setAtIndex(JAVA_BYTE, fpr$OFFSET / JAVA_BYTE.byteSize() + Objects.checkIndex(index, 128), v);
    }

    private static final long fcw$OFFSET = LAYOUT.byteOffset(groupElement("fcw"));
    /** Reads {@code fcw}. */
    public static short fcw(MemorySegment s) {
        return s.get(JAVA_SHORT, fcw$OFFSET);
    }
    /** Writes {@code fcw}. */
    public static void fcw(MemorySegment s, short v) {
        s.set(JAVA_SHORT, fcw$OFFSET, v);
    }

    private static final long fsw$OFFSET = LAYOUT.byteOffset(groupElement("fsw"));
    /** Reads {@code fsw}. */
    public static short fsw(MemorySegment s) {
        return s.get(JAVA_SHORT, fsw$OFFSET);
    }
    /** Writes {@code fsw}. */
    public static void fsw(MemorySegment s, short v) {
        s.set(JAVA_SHORT, fsw$OFFSET, v);
    }

    private static final long ftwx$OFFSET = LAYOUT.byteOffset(groupElement("ftwx"));
    /** Reads {@code ftwx}. */
    public static byte ftwx(MemorySegment s) {
        return s.get(JAVA_BYTE, ftwx$OFFSET);
    }
    /** Writes {@code ftwx}. */
    public static void ftwx(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, ftwx$OFFSET, v);
    }

    private static final long pad1$OFFSET = LAYOUT.byteOffset(groupElement("pad1"));
    private static final long last_opcode$OFFSET = LAYOUT.byteOffset(groupElement("last_opcode"));
    /** Reads {@code last_opcode}. */
    public static short last_opcode(MemorySegment s) {
        return s.get(JAVA_SHORT, last_opcode$OFFSET);
    }
    /** Writes {@code last_opcode}. */
    public static void last_opcode(MemorySegment s, short v) {
        s.set(JAVA_SHORT, last_opcode$OFFSET, v);
    }

    private static final long last_ip$OFFSET = LAYOUT.byteOffset(groupElement("last_ip"));
    /** Reads {@code last_ip}. */
    public static long last_ip(MemorySegment s) {
        return s.get(JAVA_LONG, last_ip$OFFSET);
    }
    /** Writes {@code last_ip}. */
    public static void last_ip(MemorySegment s, long v) {
        s.set(JAVA_LONG, last_ip$OFFSET, v);
    }

    private static final long last_dp$OFFSET = LAYOUT.byteOffset(groupElement("last_dp"));
    /** Reads {@code last_dp}. */
    public static long last_dp(MemorySegment s) {
        return s.get(JAVA_LONG, last_dp$OFFSET);
    }
    /** Writes {@code last_dp}. */
    public static void last_dp(MemorySegment s, long v) {
        s.set(JAVA_LONG, last_dp$OFFSET, v);
    }

    private static final long xmm$OFFSET = LAYOUT.byteOffset(groupElement("xmm"));
    private static final long xmm$SIZE = LAYOUT.select(groupElement("xmm")).byteSize();
    /** The {@code xmm} array as a slice of {@code s}. */
    public static MemorySegment xmm(MemorySegment s) {
        return s.asSlice(xmm$OFFSET, xmm$SIZE);
    }
    /** Reads {@code xmm[index]}. */
    public static byte xmm(MemorySegment s, long index) {
        return s.getAtIndex(JAVA_BYTE, xmm$OFFSET / JAVA_BYTE.byteSize() + Objects.checkIndex(index, 256));
    }
    /** Writes {@code xmm[index]}. */
    public static void xmm(MemorySegment s, long index, byte v) {
        s.setAtIndex(JAVA_BYTE, xmm$OFFSET / JAVA_BYTE.byteSize() + Objects.checkIndex(index, 256), v);
    }

    private static final long mxcsr$OFFSET = LAYOUT.byteOffset(groupElement("mxcsr"));
    /** Reads {@code mxcsr}. */
    public static int mxcsr(MemorySegment s) {
        return s.get(JAVA_INT, mxcsr$OFFSET);
    }
    /** Writes {@code mxcsr}. */
    public static void mxcsr(MemorySegment s, int v) {
        s.set(JAVA_INT, mxcsr$OFFSET, v);
    }

    private static final long pad2$OFFSET = LAYOUT.byteOffset(groupElement("pad2"));

    /** A zeroed {@code kvm_fpu}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmFpu() {}
}
