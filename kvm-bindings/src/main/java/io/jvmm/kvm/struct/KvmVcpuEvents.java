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
 * {@code struct kvm_vcpu_events} (asm/kvm.h, KVM_GET_VCPU_EVENTS/KVM_SET_VCPU_EVENTS). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmVcpuEvents {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    structLayout(
                                    JAVA_BYTE.withName("injected"),
                                    JAVA_BYTE.withName("nr"),
                                    JAVA_BYTE.withName("has_error_code"),
                                    JAVA_BYTE.withName("pending"),
                                    JAVA_INT.withName("error_code"))
                            .withName("exception"),
                    structLayout(
                                    JAVA_BYTE.withName("injected"),
                                    JAVA_BYTE.withName("nr"),
                                    JAVA_BYTE.withName("soft"),
                                    JAVA_BYTE.withName("shadow"))
                            .withName("interrupt"),
                    structLayout(
                                    JAVA_BYTE.withName("injected"),
                                    JAVA_BYTE.withName("pending"),
                                    JAVA_BYTE.withName("masked"),
                                    JAVA_BYTE.withName("pad"))
                            .withName("nmi"),
                    JAVA_INT.withName("sipi_vector"),
                    JAVA_INT.withName("flags"),
                    structLayout(
                                    JAVA_BYTE.withName("smm"),
                                    JAVA_BYTE.withName("pending"),
                                    JAVA_BYTE.withName("smm_inside_nmi"),
                                    JAVA_BYTE.withName("latched_init"))
                            .withName("smi"),
                    structLayout(JAVA_BYTE.withName("pending")).withName("triple_fault"),
                    sequenceLayout(26, JAVA_BYTE).withName("reserved"),
                    JAVA_BYTE.withName("exception_has_payload"),
                    JAVA_LONG.withName("exception_payload"))
            .withName("kvm_vcpu_events");

    private static final long exception$OFFSET = LAYOUT.byteOffset(groupElement("exception"));
    /** {@code exception} as a slice of {@code s}. */
    public static MemorySegment exception(MemorySegment s) {
        return s.asSlice(
                exception$OFFSET, LAYOUT.select(groupElement("exception")).byteSize());
    }

    private static final long exception_injected$OFFSET =
            LAYOUT.byteOffset(groupElement("exception"), groupElement("injected"));
    /** Reads {@code exception.injected}. */
    public static byte exception_injected(MemorySegment s) {
        return s.get(JAVA_BYTE, exception_injected$OFFSET);
    }
    /** Writes {@code exception.injected}. */
    public static void exception_injected(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, exception_injected$OFFSET, v);
    }

    private static final long exception_nr$OFFSET = LAYOUT.byteOffset(groupElement("exception"), groupElement("nr"));
    /** Reads {@code exception.nr}. */
    public static byte exception_nr(MemorySegment s) {
        return s.get(JAVA_BYTE, exception_nr$OFFSET);
    }
    /** Writes {@code exception.nr}. */
    public static void exception_nr(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, exception_nr$OFFSET, v);
    }

    private static final long exception_has_error_code$OFFSET =
            LAYOUT.byteOffset(groupElement("exception"), groupElement("has_error_code"));
    /** Reads {@code exception.has_error_code}. */
    public static byte exception_has_error_code(MemorySegment s) {
        return s.get(JAVA_BYTE, exception_has_error_code$OFFSET);
    }
    /** Writes {@code exception.has_error_code}. */
    public static void exception_has_error_code(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, exception_has_error_code$OFFSET, v);
    }

    private static final long exception_pending$OFFSET =
            LAYOUT.byteOffset(groupElement("exception"), groupElement("pending"));
    /** Reads {@code exception.pending}. */
    public static byte exception_pending(MemorySegment s) {
        return s.get(JAVA_BYTE, exception_pending$OFFSET);
    }
    /** Writes {@code exception.pending}. */
    public static void exception_pending(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, exception_pending$OFFSET, v);
    }

    private static final long exception_error_code$OFFSET =
            LAYOUT.byteOffset(groupElement("exception"), groupElement("error_code"));
    /** Reads {@code exception.error_code}. */
    public static int exception_error_code(MemorySegment s) {
        return s.get(JAVA_INT, exception_error_code$OFFSET);
    }
    /** Writes {@code exception.error_code}. */
    public static void exception_error_code(MemorySegment s, int v) {
        s.set(JAVA_INT, exception_error_code$OFFSET, v);
    }

    private static final long interrupt$OFFSET = LAYOUT.byteOffset(groupElement("interrupt"));
    /** {@code interrupt} as a slice of {@code s}. */
    public static MemorySegment interrupt(MemorySegment s) {
        return s.asSlice(
                interrupt$OFFSET, LAYOUT.select(groupElement("interrupt")).byteSize());
    }

    private static final long interrupt_injected$OFFSET =
            LAYOUT.byteOffset(groupElement("interrupt"), groupElement("injected"));
    /** Reads {@code interrupt.injected}. */
    public static byte interrupt_injected(MemorySegment s) {
        return s.get(JAVA_BYTE, interrupt_injected$OFFSET);
    }
    /** Writes {@code interrupt.injected}. */
    public static void interrupt_injected(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, interrupt_injected$OFFSET, v);
    }

    private static final long interrupt_nr$OFFSET = LAYOUT.byteOffset(groupElement("interrupt"), groupElement("nr"));
    /** Reads {@code interrupt.nr}. */
    public static byte interrupt_nr(MemorySegment s) {
        return s.get(JAVA_BYTE, interrupt_nr$OFFSET);
    }
    /** Writes {@code interrupt.nr}. */
    public static void interrupt_nr(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, interrupt_nr$OFFSET, v);
    }

    private static final long interrupt_soft$OFFSET =
            LAYOUT.byteOffset(groupElement("interrupt"), groupElement("soft"));
    /** Reads {@code interrupt.soft}. */
    public static byte interrupt_soft(MemorySegment s) {
        return s.get(JAVA_BYTE, interrupt_soft$OFFSET);
    }
    /** Writes {@code interrupt.soft}. */
    public static void interrupt_soft(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, interrupt_soft$OFFSET, v);
    }

    private static final long interrupt_shadow$OFFSET =
            LAYOUT.byteOffset(groupElement("interrupt"), groupElement("shadow"));
    /** Reads {@code interrupt.shadow}. */
    public static byte interrupt_shadow(MemorySegment s) {
        return s.get(JAVA_BYTE, interrupt_shadow$OFFSET);
    }
    /** Writes {@code interrupt.shadow}. */
    public static void interrupt_shadow(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, interrupt_shadow$OFFSET, v);
    }

    private static final long nmi$OFFSET = LAYOUT.byteOffset(groupElement("nmi"));
    /** {@code nmi} as a slice of {@code s}. */
    public static MemorySegment nmi(MemorySegment s) {
        return s.asSlice(nmi$OFFSET, LAYOUT.select(groupElement("nmi")).byteSize());
    }

    private static final long nmi_injected$OFFSET = LAYOUT.byteOffset(groupElement("nmi"), groupElement("injected"));
    /** Reads {@code nmi.injected}. */
    public static byte nmi_injected(MemorySegment s) {
        return s.get(JAVA_BYTE, nmi_injected$OFFSET);
    }
    /** Writes {@code nmi.injected}. */
    public static void nmi_injected(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, nmi_injected$OFFSET, v);
    }

    private static final long nmi_pending$OFFSET = LAYOUT.byteOffset(groupElement("nmi"), groupElement("pending"));
    /** Reads {@code nmi.pending}. */
    public static byte nmi_pending(MemorySegment s) {
        return s.get(JAVA_BYTE, nmi_pending$OFFSET);
    }
    /** Writes {@code nmi.pending}. */
    public static void nmi_pending(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, nmi_pending$OFFSET, v);
    }

    private static final long nmi_masked$OFFSET = LAYOUT.byteOffset(groupElement("nmi"), groupElement("masked"));
    /** Reads {@code nmi.masked}. */
    public static byte nmi_masked(MemorySegment s) {
        return s.get(JAVA_BYTE, nmi_masked$OFFSET);
    }
    /** Writes {@code nmi.masked}. */
    public static void nmi_masked(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, nmi_masked$OFFSET, v);
    }

    private static final long nmi_pad$OFFSET = LAYOUT.byteOffset(groupElement("nmi"), groupElement("pad"));
    private static final long sipi_vector$OFFSET = LAYOUT.byteOffset(groupElement("sipi_vector"));
    /** Reads {@code sipi_vector}. */
    public static int sipi_vector(MemorySegment s) {
        return s.get(JAVA_INT, sipi_vector$OFFSET);
    }
    /** Writes {@code sipi_vector}. */
    public static void sipi_vector(MemorySegment s, int v) {
        s.set(JAVA_INT, sipi_vector$OFFSET, v);
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

    private static final long smi$OFFSET = LAYOUT.byteOffset(groupElement("smi"));
    /** {@code smi} as a slice of {@code s}. */
    public static MemorySegment smi(MemorySegment s) {
        return s.asSlice(smi$OFFSET, LAYOUT.select(groupElement("smi")).byteSize());
    }

    private static final long smi_smm$OFFSET = LAYOUT.byteOffset(groupElement("smi"), groupElement("smm"));
    /** Reads {@code smi.smm}. */
    public static byte smi_smm(MemorySegment s) {
        return s.get(JAVA_BYTE, smi_smm$OFFSET);
    }
    /** Writes {@code smi.smm}. */
    public static void smi_smm(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, smi_smm$OFFSET, v);
    }

    private static final long smi_pending$OFFSET = LAYOUT.byteOffset(groupElement("smi"), groupElement("pending"));
    /** Reads {@code smi.pending}. */
    public static byte smi_pending(MemorySegment s) {
        return s.get(JAVA_BYTE, smi_pending$OFFSET);
    }
    /** Writes {@code smi.pending}. */
    public static void smi_pending(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, smi_pending$OFFSET, v);
    }

    private static final long smi_smm_inside_nmi$OFFSET =
            LAYOUT.byteOffset(groupElement("smi"), groupElement("smm_inside_nmi"));
    /** Reads {@code smi.smm_inside_nmi}. */
    public static byte smi_smm_inside_nmi(MemorySegment s) {
        return s.get(JAVA_BYTE, smi_smm_inside_nmi$OFFSET);
    }
    /** Writes {@code smi.smm_inside_nmi}. */
    public static void smi_smm_inside_nmi(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, smi_smm_inside_nmi$OFFSET, v);
    }

    private static final long smi_latched_init$OFFSET =
            LAYOUT.byteOffset(groupElement("smi"), groupElement("latched_init"));
    /** Reads {@code smi.latched_init}. */
    public static byte smi_latched_init(MemorySegment s) {
        return s.get(JAVA_BYTE, smi_latched_init$OFFSET);
    }
    /** Writes {@code smi.latched_init}. */
    public static void smi_latched_init(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, smi_latched_init$OFFSET, v);
    }

    private static final long triple_fault$OFFSET = LAYOUT.byteOffset(groupElement("triple_fault"));
    /** {@code triple_fault} as a slice of {@code s}. */
    public static MemorySegment triple_fault(MemorySegment s) {
        return s.asSlice(
                triple_fault$OFFSET, LAYOUT.select(groupElement("triple_fault")).byteSize());
    }

    private static final long triple_fault_pending$OFFSET =
            LAYOUT.byteOffset(groupElement("triple_fault"), groupElement("pending"));
    /** Reads {@code triple_fault.pending}. */
    public static byte triple_fault_pending(MemorySegment s) {
        return s.get(JAVA_BYTE, triple_fault_pending$OFFSET);
    }
    /** Writes {@code triple_fault.pending}. */
    public static void triple_fault_pending(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, triple_fault_pending$OFFSET, v);
    }

    private static final long reserved$OFFSET = LAYOUT.byteOffset(groupElement("reserved"));
    private static final long reserved$SIZE =
            LAYOUT.select(groupElement("reserved")).byteSize();
    private static final long exception_has_payload$OFFSET = LAYOUT.byteOffset(groupElement("exception_has_payload"));
    /** Reads {@code exception_has_payload}. */
    public static byte exception_has_payload(MemorySegment s) {
        return s.get(JAVA_BYTE, exception_has_payload$OFFSET);
    }
    /** Writes {@code exception_has_payload}. */
    public static void exception_has_payload(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, exception_has_payload$OFFSET, v);
    }

    private static final long exception_payload$OFFSET = LAYOUT.byteOffset(groupElement("exception_payload"));
    /** Reads {@code exception_payload}. */
    public static long exception_payload(MemorySegment s) {
        return s.get(JAVA_LONG, exception_payload$OFFSET);
    }
    /** Writes {@code exception_payload}. */
    public static void exception_payload(MemorySegment s, long v) {
        s.set(JAVA_LONG, exception_payload$OFFSET, v);
    }

    /** A zeroed {@code kvm_vcpu_events}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmVcpuEvents() {}
}
