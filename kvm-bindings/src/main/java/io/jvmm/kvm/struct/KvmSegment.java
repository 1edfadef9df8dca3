package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_segment} (asm/kvm.h, a segment register inside kvm_sregs). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmSegment {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_LONG.withName("base"),
                    JAVA_INT.withName("limit"),
                    JAVA_SHORT.withName("selector"),
                    JAVA_BYTE.withName("type"),
                    JAVA_BYTE.withName("present"),
                    JAVA_BYTE.withName("dpl"),
                    JAVA_BYTE.withName("db"),
                    JAVA_BYTE.withName("s"),
                    JAVA_BYTE.withName("l"),
                    JAVA_BYTE.withName("g"),
                    JAVA_BYTE.withName("avl"),
                    JAVA_BYTE.withName("unusable"),
                    JAVA_BYTE.withName("padding"))
            .withName("kvm_segment");

    private static final long base$OFFSET = LAYOUT.byteOffset(groupElement("base"));
    /** Reads {@code base}. */
    public static long base(MemorySegment s) {
        return s.get(JAVA_LONG, base$OFFSET);
    }
    /** Writes {@code base}. */
    public static void base(MemorySegment s, long v) {
        s.set(JAVA_LONG, base$OFFSET, v);
    }

    private static final long limit$OFFSET = LAYOUT.byteOffset(groupElement("limit"));
    /** Reads {@code limit}. */
    public static int limit(MemorySegment s) {
        return s.get(JAVA_INT, limit$OFFSET);
    }
    /** Writes {@code limit}. */
    public static void limit(MemorySegment s, int v) {
        s.set(JAVA_INT, limit$OFFSET, v);
    }

    private static final long selector$OFFSET = LAYOUT.byteOffset(groupElement("selector"));
    /** Reads {@code selector}. */
    public static short selector(MemorySegment s) {
        return s.get(JAVA_SHORT, selector$OFFSET);
    }
    /** Writes {@code selector}. */
    public static void selector(MemorySegment s, short v) {
        s.set(JAVA_SHORT, selector$OFFSET, v);
    }

    private static final long type$OFFSET = LAYOUT.byteOffset(groupElement("type"));
    /** Reads {@code type}. */
    public static byte type(MemorySegment s) {
        return s.get(JAVA_BYTE, type$OFFSET);
    }
    /** Writes {@code type}. */
    public static void type(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, type$OFFSET, v);
    }

    private static final long present$OFFSET = LAYOUT.byteOffset(groupElement("present"));
    /** Reads {@code present}. */
    public static byte present(MemorySegment s) {
        return s.get(JAVA_BYTE, present$OFFSET);
    }
    /** Writes {@code present}. */
    public static void present(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, present$OFFSET, v);
    }

    private static final long dpl$OFFSET = LAYOUT.byteOffset(groupElement("dpl"));
    /** Reads {@code dpl}. */
    public static byte dpl(MemorySegment s) {
        return s.get(JAVA_BYTE, dpl$OFFSET);
    }
    /** Writes {@code dpl}. */
    public static void dpl(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, dpl$OFFSET, v);
    }

    private static final long db$OFFSET = LAYOUT.byteOffset(groupElement("db"));
    /** Reads {@code db}. */
    public static byte db(MemorySegment s) {
        return s.get(JAVA_BYTE, db$OFFSET);
    }
    /** Writes {@code db}. */
    public static void db(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, db$OFFSET, v);
    }

    private static final long s$OFFSET = LAYOUT.byteOffset(groupElement("s"));
    /** Reads {@code s}. */
    public static byte s(MemorySegment s) {
        return s.get(JAVA_BYTE, s$OFFSET);
    }
    /** Writes {@code s}. */
    public static void s(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, s$OFFSET, v);
    }

    private static final long l$OFFSET = LAYOUT.byteOffset(groupElement("l"));
    /** Reads {@code l}. */
    public static byte l(MemorySegment s) {
        return s.get(JAVA_BYTE, l$OFFSET);
    }
    /** Writes {@code l}. */
    public static void l(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, l$OFFSET, v);
    }

    private static final long g$OFFSET = LAYOUT.byteOffset(groupElement("g"));
    /** Reads {@code g}. */
    public static byte g(MemorySegment s) {
        return s.get(JAVA_BYTE, g$OFFSET);
    }
    /** Writes {@code g}. */
    public static void g(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, g$OFFSET, v);
    }

    private static final long avl$OFFSET = LAYOUT.byteOffset(groupElement("avl"));
    /** Reads {@code avl}. */
    public static byte avl(MemorySegment s) {
        return s.get(JAVA_BYTE, avl$OFFSET);
    }
    /** Writes {@code avl}. */
    public static void avl(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, avl$OFFSET, v);
    }

    private static final long unusable$OFFSET = LAYOUT.byteOffset(groupElement("unusable"));
    /** Reads {@code unusable}. */
    public static byte unusable(MemorySegment s) {
        return s.get(JAVA_BYTE, unusable$OFFSET);
    }
    /** Writes {@code unusable}. */
    public static void unusable(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, unusable$OFFSET, v);
    }

    private static final long padding$OFFSET = LAYOUT.byteOffset(groupElement("padding"));

    /** A zeroed {@code kvm_segment}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmSegment() {}
}
