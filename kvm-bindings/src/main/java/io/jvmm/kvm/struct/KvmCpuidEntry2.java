package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_cpuid_entry2} (asm/kvm.h, one entry of kvm_cpuid2). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmCpuidEntry2 {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("function"),
                    JAVA_INT.withName("index"),
                    JAVA_INT.withName("flags"),
                    JAVA_INT.withName("eax"),
                    JAVA_INT.withName("ebx"),
                    JAVA_INT.withName("ecx"),
                    JAVA_INT.withName("edx"),
                    sequenceLayout(3, JAVA_INT).withName("padding"))
            .withName("kvm_cpuid_entry2");

    private static final long function$OFFSET = LAYOUT.byteOffset(groupElement("function"));
    /** Reads {@code function}. */
    public static int function(MemorySegment s) {
        return s.get(JAVA_INT, function$OFFSET);
    }
    /** Writes {@code function}. */
    public static void function(MemorySegment s, int v) {
        s.set(JAVA_INT, function$OFFSET, v);
    }

    private static final long index$OFFSET = LAYOUT.byteOffset(groupElement("index"));
    /** Reads {@code index}. */
    public static int index(MemorySegment s) {
        return s.get(JAVA_INT, index$OFFSET);
    }
    /** Writes {@code index}. */
    public static void index(MemorySegment s, int v) {
        s.set(JAVA_INT, index$OFFSET, v);
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

    private static final long eax$OFFSET = LAYOUT.byteOffset(groupElement("eax"));
    /** Reads {@code eax}. */
    public static int eax(MemorySegment s) {
        return s.get(JAVA_INT, eax$OFFSET);
    }
    /** Writes {@code eax}. */
    public static void eax(MemorySegment s, int v) {
        s.set(JAVA_INT, eax$OFFSET, v);
    }

    private static final long ebx$OFFSET = LAYOUT.byteOffset(groupElement("ebx"));
    /** Reads {@code ebx}. */
    public static int ebx(MemorySegment s) {
        return s.get(JAVA_INT, ebx$OFFSET);
    }
    /** Writes {@code ebx}. */
    public static void ebx(MemorySegment s, int v) {
        s.set(JAVA_INT, ebx$OFFSET, v);
    }

    private static final long ecx$OFFSET = LAYOUT.byteOffset(groupElement("ecx"));
    /** Reads {@code ecx}. */
    public static int ecx(MemorySegment s) {
        return s.get(JAVA_INT, ecx$OFFSET);
    }
    /** Writes {@code ecx}. */
    public static void ecx(MemorySegment s, int v) {
        s.set(JAVA_INT, ecx$OFFSET, v);
    }

    private static final long edx$OFFSET = LAYOUT.byteOffset(groupElement("edx"));
    /** Reads {@code edx}. */
    public static int edx(MemorySegment s) {
        return s.get(JAVA_INT, edx$OFFSET);
    }
    /** Writes {@code edx}. */
    public static void edx(MemorySegment s, int v) {
        s.set(JAVA_INT, edx$OFFSET, v);
    }

    private static final long padding$OFFSET = LAYOUT.byteOffset(groupElement("padding"));
    private static final long padding$SIZE =
            LAYOUT.select(groupElement("padding")).byteSize();

    /** A zeroed {@code kvm_cpuid_entry2}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmCpuidEntry2() {}
}
