package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.sequenceLayout;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.MemoryLayout.unionLayout;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_irq_routing_entry} (linux/kvm.h, one entry of kvm_irq_routing). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmIrqRoutingEntry {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_INT.withName("gsi"),
                    JAVA_INT.withName("type"),
                    JAVA_INT.withName("flags"),
                    JAVA_INT.withName("pad"),
                    unionLayout(
                                    structLayout(JAVA_INT.withName("irqchip"), JAVA_INT.withName("pin"))
                                            .withName("irqchip"),
                                    structLayout(
                                                    JAVA_INT.withName("address_lo"),
                                                    JAVA_INT.withName("address_hi"),
                                                    JAVA_INT.withName("data"),
                                                    JAVA_INT.withName("devid"))
                                            .withName("msi"),
                                    sequenceLayout(8, JAVA_INT).withName("pad"))
                            .withName("u"))
            .withName("kvm_irq_routing_entry");

    private static final long gsi$OFFSET = LAYOUT.byteOffset(groupElement("gsi"));
    /** Reads {@code gsi}. */
    public static int gsi(MemorySegment s) {
        return s.get(JAVA_INT, gsi$OFFSET);
    }
    /** Writes {@code gsi}. */
    public static void gsi(MemorySegment s, int v) {
        s.set(JAVA_INT, gsi$OFFSET, v);
    }

    private static final long type$OFFSET = LAYOUT.byteOffset(groupElement("type"));
    /** Reads {@code type}. */
    public static int type(MemorySegment s) {
        return s.get(JAVA_INT, type$OFFSET);
    }
    /** Writes {@code type}. */
    public static void type(MemorySegment s, int v) {
        s.set(JAVA_INT, type$OFFSET, v);
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
    private static final long u$OFFSET = LAYOUT.byteOffset(groupElement("u"));
    /** {@code u} as a slice of {@code s}. */
    public static MemorySegment u(MemorySegment s) {
        return s.asSlice(u$OFFSET, LAYOUT.select(groupElement("u")).byteSize());
    }

    private static final long u_irqchip$OFFSET = LAYOUT.byteOffset(groupElement("u"), groupElement("irqchip"));
    /** {@code u.irqchip} as a slice of {@code s}. */
    public static MemorySegment u_irqchip(MemorySegment s) {
        return s.asSlice(
                u_irqchip$OFFSET,
                LAYOUT.select(groupElement("u"), groupElement("irqchip")).byteSize());
    }

    private static final long u_irqchip_irqchip$OFFSET =
            LAYOUT.byteOffset(groupElement("u"), groupElement("irqchip"), groupElement("irqchip"));
    /** Reads {@code u.irqchip.irqchip}. */
    public static int u_irqchip_irqchip(MemorySegment s) {
        return s.get(JAVA_INT, u_irqchip_irqchip$OFFSET);
    }
    /** Writes {@code u.irqchip.irqchip}. */
    public static void u_irqchip_irqchip(MemorySegment s, int v) {
        s.set(JAVA_INT, u_irqchip_irqchip$OFFSET, v);
    }

    private static final long u_irqchip_pin$OFFSET =
            LAYOUT.byteOffset(groupElement("u"), groupElement("irqchip"), groupElement("pin"));
    /** Reads {@code u.irqchip.pin}. */
    public static int u_irqchip_pin(MemorySegment s) {
        return s.get(JAVA_INT, u_irqchip_pin$OFFSET);
    }
    /** Writes {@code u.irqchip.pin}. */
    public static void u_irqchip_pin(MemorySegment s, int v) {
        s.set(JAVA_INT, u_irqchip_pin$OFFSET, v);
    }

    private static final long u_msi$OFFSET = LAYOUT.byteOffset(groupElement("u"), groupElement("msi"));
    /** {@code u.msi} as a slice of {@code s}. */
    public static MemorySegment u_msi(MemorySegment s) {
        return s.asSlice(
                u_msi$OFFSET,
                LAYOUT.select(groupElement("u"), groupElement("msi")).byteSize());
    }

    private static final long u_msi_address_lo$OFFSET =
            LAYOUT.byteOffset(groupElement("u"), groupElement("msi"), groupElement("address_lo"));
    /** Reads {@code u.msi.address_lo}. */
    public static int u_msi_address_lo(MemorySegment s) {
        return s.get(JAVA_INT, u_msi_address_lo$OFFSET);
    }
    /** Writes {@code u.msi.address_lo}. */
    public static void u_msi_address_lo(MemorySegment s, int v) {
        s.set(JAVA_INT, u_msi_address_lo$OFFSET, v);
    }

    private static final long u_msi_address_hi$OFFSET =
            LAYOUT.byteOffset(groupElement("u"), groupElement("msi"), groupElement("address_hi"));
    /** Reads {@code u.msi.address_hi}. */
    public static int u_msi_address_hi(MemorySegment s) {
        return s.get(JAVA_INT, u_msi_address_hi$OFFSET);
    }
    /** Writes {@code u.msi.address_hi}. */
    public static void u_msi_address_hi(MemorySegment s, int v) {
        s.set(JAVA_INT, u_msi_address_hi$OFFSET, v);
    }

    private static final long u_msi_data$OFFSET =
            LAYOUT.byteOffset(groupElement("u"), groupElement("msi"), groupElement("data"));
    /** Reads {@code u.msi.data}. */
    public static int u_msi_data(MemorySegment s) {
        return s.get(JAVA_INT, u_msi_data$OFFSET);
    }
    /** Writes {@code u.msi.data}. */
    public static void u_msi_data(MemorySegment s, int v) {
        s.set(JAVA_INT, u_msi_data$OFFSET, v);
    }

    private static final long u_msi_devid$OFFSET =
            LAYOUT.byteOffset(groupElement("u"), groupElement("msi"), groupElement("devid"));
    /** Reads {@code u.msi.devid}. */
    public static int u_msi_devid(MemorySegment s) {
        return s.get(JAVA_INT, u_msi_devid$OFFSET);
    }
    /** Writes {@code u.msi.devid}. */
    public static void u_msi_devid(MemorySegment s, int v) {
        s.set(JAVA_INT, u_msi_devid$OFFSET, v);
    }

    private static final long u_pad$OFFSET = LAYOUT.byteOffset(groupElement("u"), groupElement("pad"));
    private static final long u_pad$SIZE =
            LAYOUT.select(groupElement("u"), groupElement("pad")).byteSize();

    /** A zeroed {@code kvm_irq_routing_entry}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmIrqRoutingEntry() {}
}
