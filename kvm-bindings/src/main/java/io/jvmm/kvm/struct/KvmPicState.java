package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_pic_state} (asm/kvm.h, one 8259 inside kvm_irqchip). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmPicState {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_BYTE.withName("last_irr"),
                    JAVA_BYTE.withName("irr"),
                    JAVA_BYTE.withName("imr"),
                    JAVA_BYTE.withName("isr"),
                    JAVA_BYTE.withName("priority_add"),
                    JAVA_BYTE.withName("irq_base"),
                    JAVA_BYTE.withName("read_reg_select"),
                    JAVA_BYTE.withName("poll"),
                    JAVA_BYTE.withName("special_mask"),
                    JAVA_BYTE.withName("init_state"),
                    JAVA_BYTE.withName("auto_eoi"),
                    JAVA_BYTE.withName("rotate_on_auto_eoi"),
                    JAVA_BYTE.withName("special_fully_nested_mode"),
                    JAVA_BYTE.withName("init4"),
                    JAVA_BYTE.withName("elcr"),
                    JAVA_BYTE.withName("elcr_mask"))
            .withName("kvm_pic_state");

    private static final long last_irr$OFFSET = LAYOUT.byteOffset(groupElement("last_irr"));
    /** Reads {@code last_irr}. */
    public static byte last_irr(MemorySegment s) {
        return s.get(JAVA_BYTE, last_irr$OFFSET);
    }
    /** Writes {@code last_irr}. */
    public static void last_irr(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, last_irr$OFFSET, v);
    }

    private static final long irr$OFFSET = LAYOUT.byteOffset(groupElement("irr"));
    /** Reads {@code irr}. */
    public static byte irr(MemorySegment s) {
        return s.get(JAVA_BYTE, irr$OFFSET);
    }
    /** Writes {@code irr}. */
    public static void irr(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, irr$OFFSET, v);
    }

    private static final long imr$OFFSET = LAYOUT.byteOffset(groupElement("imr"));
    /** Reads {@code imr}. */
    public static byte imr(MemorySegment s) {
        return s.get(JAVA_BYTE, imr$OFFSET);
    }
    /** Writes {@code imr}. */
    public static void imr(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, imr$OFFSET, v);
    }

    private static final long isr$OFFSET = LAYOUT.byteOffset(groupElement("isr"));
    /** Reads {@code isr}. */
    public static byte isr(MemorySegment s) {
        return s.get(JAVA_BYTE, isr$OFFSET);
    }
    /** Writes {@code isr}. */
    public static void isr(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, isr$OFFSET, v);
    }

    private static final long priority_add$OFFSET = LAYOUT.byteOffset(groupElement("priority_add"));
    /** Reads {@code priority_add}. */
    public static byte priority_add(MemorySegment s) {
        return s.get(JAVA_BYTE, priority_add$OFFSET);
    }
    /** Writes {@code priority_add}. */
    public static void priority_add(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, priority_add$OFFSET, v);
    }

    private static final long irq_base$OFFSET = LAYOUT.byteOffset(groupElement("irq_base"));
    /** Reads {@code irq_base}. */
    public static byte irq_base(MemorySegment s) {
        return s.get(JAVA_BYTE, irq_base$OFFSET);
    }
    /** Writes {@code irq_base}. */
    public static void irq_base(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, irq_base$OFFSET, v);
    }

    private static final long read_reg_select$OFFSET = LAYOUT.byteOffset(groupElement("read_reg_select"));
    /** Reads {@code read_reg_select}. */
    public static byte read_reg_select(MemorySegment s) {
        return s.get(JAVA_BYTE, read_reg_select$OFFSET);
    }
    /** Writes {@code read_reg_select}. */
    public static void read_reg_select(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, read_reg_select$OFFSET, v);
    }

    private static final long poll$OFFSET = LAYOUT.byteOffset(groupElement("poll"));
    /** Reads {@code poll}. */
    public static byte poll(MemorySegment s) {
        return s.get(JAVA_BYTE, poll$OFFSET);
    }
    /** Writes {@code poll}. */
    public static void poll(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, poll$OFFSET, v);
    }

    private static final long special_mask$OFFSET = LAYOUT.byteOffset(groupElement("special_mask"));
    /** Reads {@code special_mask}. */
    public static byte special_mask(MemorySegment s) {
        return s.get(JAVA_BYTE, special_mask$OFFSET);
    }
    /** Writes {@code special_mask}. */
    public static void special_mask(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, special_mask$OFFSET, v);
    }

    private static final long init_state$OFFSET = LAYOUT.byteOffset(groupElement("init_state"));
    /** Reads {@code init_state}. */
    public static byte init_state(MemorySegment s) {
        return s.get(JAVA_BYTE, init_state$OFFSET);
    }
    /** Writes {@code init_state}. */
    public static void init_state(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, init_state$OFFSET, v);
    }

    private static final long auto_eoi$OFFSET = LAYOUT.byteOffset(groupElement("auto_eoi"));
    /** Reads {@code auto_eoi}. */
    public static byte auto_eoi(MemorySegment s) {
        return s.get(JAVA_BYTE, auto_eoi$OFFSET);
    }
    /** Writes {@code auto_eoi}. */
    public static void auto_eoi(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, auto_eoi$OFFSET, v);
    }

    private static final long rotate_on_auto_eoi$OFFSET = LAYOUT.byteOffset(groupElement("rotate_on_auto_eoi"));
    /** Reads {@code rotate_on_auto_eoi}. */
    public static byte rotate_on_auto_eoi(MemorySegment s) {
        return s.get(JAVA_BYTE, rotate_on_auto_eoi$OFFSET);
    }
    /** Writes {@code rotate_on_auto_eoi}. */
    public static void rotate_on_auto_eoi(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, rotate_on_auto_eoi$OFFSET, v);
    }

    private static final long special_fully_nested_mode$OFFSET =
            LAYOUT.byteOffset(groupElement("special_fully_nested_mode"));
    /** Reads {@code special_fully_nested_mode}. */
    public static byte special_fully_nested_mode(MemorySegment s) {
        return s.get(JAVA_BYTE, special_fully_nested_mode$OFFSET);
    }
    /** Writes {@code special_fully_nested_mode}. */
    public static void special_fully_nested_mode(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, special_fully_nested_mode$OFFSET, v);
    }

    private static final long init4$OFFSET = LAYOUT.byteOffset(groupElement("init4"));
    /** Reads {@code init4}. */
    public static byte init4(MemorySegment s) {
        return s.get(JAVA_BYTE, init4$OFFSET);
    }
    /** Writes {@code init4}. */
    public static void init4(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, init4$OFFSET, v);
    }

    private static final long elcr$OFFSET = LAYOUT.byteOffset(groupElement("elcr"));
    /** Reads {@code elcr}. */
    public static byte elcr(MemorySegment s) {
        return s.get(JAVA_BYTE, elcr$OFFSET);
    }
    /** Writes {@code elcr}. */
    public static void elcr(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, elcr$OFFSET, v);
    }

    private static final long elcr_mask$OFFSET = LAYOUT.byteOffset(groupElement("elcr_mask"));
    /** Reads {@code elcr_mask}. */
    public static byte elcr_mask(MemorySegment s) {
        return s.get(JAVA_BYTE, elcr_mask$OFFSET);
    }
    /** Writes {@code elcr_mask}. */
    public static void elcr_mask(MemorySegment s, byte v) {
        s.set(JAVA_BYTE, elcr_mask$OFFSET, v);
    }

    /** A zeroed {@code kvm_pic_state}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmPicState() {}
}
