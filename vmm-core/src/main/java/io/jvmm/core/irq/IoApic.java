package io.jvmm.core.irq;

import io.jvmm.core.bus.BusDevice;
import io.jvmm.virtio.InterruptLine;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A 24-pin I/O APIC (Intel 82093AA, with the version 0x20 EOI register, as QEMU's) for a split
 * irqchip: KVM keeps the local APICs, and this model turns pin activity into MSIs (x86 interrupt
 * messages to the local APICs) sent through {@link Delivery}. Pure logic, testable without KVM.
 *
 * <p>Why split: with KVM's in-kernel PIC and IOAPIC, destroying a VM waits for a grace period per
 * device the irqchip registered; on kvm_pvm that is ~15 ms of every VM's teardown (~22 ms with the
 * PIT), against 0.3 ms without (measured). QEMU's microvm and Cloud Hypervisor use the same split.
 *
 * <p>Semantics as the datasheet: pins start masked; an edge-triggered pin delivers on a rising edge
 * (a pulse), and an edge on a masked pin is ignored (82093AA 3.2.4; KVM's in-kernel IOAPIC does the
 * same, Linux resends what it masked); a level-triggered pin
 * delivers while asserted, then waits for the EOI of its vector (remote IRR) before it may deliver
 * again. KVM reports those EOIs only for vectors it finds among the level-triggered routes, so
 * those are kept in KVM's GSI routing table through {@link Delivery#levelRoutes}. Input polarity is
 * taken as already resolved by the caller (sources report "asserted"), as VMMs commonly do.
 */
public final class IoApic implements BusDevice, InterruptPins {
    public static final int PINS = 24;
    /** The MMIO window: IOREGSEL at 0x00, IOWIN at 0x10, EOI at 0x40. */
    public static final long WINDOW = 0x1000;

    private static final int IOREGSEL = 0x00, IOWIN = 0x10, EOI = 0x40;
    private static final int REG_ID = 0x00, REG_VERSION = 0x01, REG_ARBITRATION = 0x02, REG_TABLE = 0x10;
    private static final int VERSION = 0x20;

    // Redirection table entry bits (82093AA, 3.2.4)
    private static final long VECTOR = 0xff,
            DELIVERY_MODE = 0x700,
            DEST_MODE = 1L << 11,
            DELIVERY_STATUS = 1L << 12,
            REMOTE_IRR = 1L << 14,
            LEVEL = 1L << 15,
            MASKED = 1L << 16;
    /** Bits the guest may write: everything but delivery status and remote IRR (read-only). */
    private static final long WRITABLE = ~(DELIVERY_STATUS | REMOTE_IRR);

    /** Where interrupts leave the IOAPIC: KVM_SIGNAL_MSI and KVM's routing table, or a test's recorder. */
    public interface Delivery {
        /** Sends one interrupt message to the local APICs. */
        void msi(long address, int data);

        /** The level-triggered, unmasked pins' messages changed: {@code gsis[i]} routes to addresses[i]/data[i]. */
        void levelRoutes(int[] gsis, long[] addresses, int[] data);
    }

    private final Delivery delivery;
    private final long[] table = new long[PINS];
    /** Input levels, asserted or not. */
    private int levels;

    private int id, select;
    /** The level routes last given to {@link Delivery#levelRoutes}, as (pin, address, data) triples; null forces the next. */
    private long[] lastRoutes = new long[0];

    public IoApic(int id, Delivery delivery) {
        this.delivery = delivery;
        this.id = id & 0xf;
        for (int i = 0; i < PINS; i++) table[i] = MASKED;
    }

    // ---- inputs -------------------------------------------------------------------------------

    /** A level source (the UART): asserts or deasserts {@code pin}. */
    @Override
    public synchronized void setLevel(int pin, boolean asserted) {
        checkPin(pin);
        int bit = 1 << pin;
        boolean was = (levels & bit) != 0;
        if (asserted) levels |= bit;
        else levels &= ~bit;
        if ((table[pin] & LEVEL) != 0) {
            if (asserted) service(pin);
        } else if (asserted && !was && (table[pin] & MASKED) == 0) {
            long e = table[pin];
            delivery.msi(address(e), data(e));
        }
    }

    /** An edge source (a virtio device's notification): assert and deassert at once. */
    @Override
    public InterruptLine edgeLine(int pin) {
        checkPin(pin);
        return () -> pulse(pin);
    }

    synchronized void pulse(int pin) {
        setLevel(pin, true);
        setLevel(pin, false);
    }

    /** The local APIC acknowledged {@code vector}: level pins with that vector may deliver again. */
    public synchronized void endOfInterrupt(int vector) {
        for (int pin = 0; pin < PINS; pin++) {
            long e = table[pin];
            if ((e & LEVEL) != 0 && (e & REMOTE_IRR) != 0 && (e & VECTOR) == vector) {
                table[pin] = e & ~REMOTE_IRR;
                service(pin);
            }
        }
    }

    /** Delivers a level-triggered pin that is asserted, unmasked and not waiting for its EOI. */
    private void service(int pin) {
        long e = table[pin];
        if ((e & MASKED) != 0 || (e & LEVEL) == 0) return;
        if ((levels & (1 << pin)) == 0 || (e & REMOTE_IRR) != 0) return;
        table[pin] = e | REMOTE_IRR;
        delivery.msi(address(e), data(e));
    }

    /** MSI address of an entry: the LAPIC window, destination id and mode (SDM 11.11.1). */
    static long address(long e) {
        return 0xfee0_0000L | ((e >>> 56) & 0xff) << 12 | ((e & DEST_MODE) != 0 ? 1L << 2 : 0);
    }

    /** MSI data of an entry: vector, delivery mode and trigger mode (SDM 11.11.2). */
    static int data(long e) {
        return (int) ((e & VECTOR) | (e & DELIVERY_MODE) | (e & LEVEL));
    }

    // ---- MMIO ---------------------------------------------------------------------------------

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Override
    public synchronized void read(long offset, MemorySegment data) {
        int value = switch ((int) offset) {
            case IOREGSEL -> select;
            case IOWIN -> readRegister(select);
            default -> 0;
        };
        put(data, value);
    }

    @Override
    public synchronized void write(long offset, MemorySegment data) {
        int value = get(data);
        switch ((int) offset) {
            case IOREGSEL -> select = value & 0xff;
            case IOWIN -> writeRegister(select, value);
            case EOI -> endOfInterrupt(value & 0xff);
            default -> {} // reserved: ignored, as the hardware does
        }
    }

    private int readRegister(int reg) {
        return switch (reg) {
            case REG_ID, REG_ARBITRATION -> id << 24;
            case REG_VERSION -> (PINS - 1) << 16 | VERSION;
            default -> {
                int index = reg - REG_TABLE;
                if (index < 0 || index >= 2 * PINS) yield 0;
                long e = table[index / 2];
                yield (int) (index % 2 == 0 ? e : e >>> 32);
            }
        };
    }

    private void writeRegister(int reg, int value) {
        if (reg == REG_ID) {
            id = value >>> 24 & 0xf;
            return;
        }
        int index = reg - REG_TABLE;
        if (index < 0 || index >= 2 * PINS) return;
        int pin = index / 2;
        long old = table[pin];
        long written = index % 2 == 0
                ? (old & 0xffff_ffff_0000_0000L) | Integer.toUnsignedLong(value)
                : (old & 0xffff_ffffL) | (long) value << 32;
        long e = (written & WRITABLE) | (old & ~WRITABLE);
        // An entry made edge-triggered has no remote IRR (82093AA: it is level-only).
        if ((e & LEVEL) == 0) e &= ~REMOTE_IRR;
        table[pin] = e;
        updateRoutes();
        service(pin);
    }

    private void updateRoutes() {
        int n = 0;
        for (long e : table) if ((e & LEVEL) != 0 && (e & MASKED) == 0) n++;
        int[] gsis = new int[n], data = new int[n];
        long[] addresses = new long[n], routes = new long[3 * n];
        for (int pin = 0, i = 0; pin < PINS; pin++) {
            long e = table[pin];
            if ((e & LEVEL) == 0 || (e & MASKED) != 0) continue;
            gsis[i] = pin;
            addresses[i] = address(e);
            data[i] = data(e);
            routes[3 * i] = pin;
            routes[3 * i + 1] = addresses[i];
            routes[3 * i + 2] = data[i];
            i++;
        }
        // Each KVM_SET_GSI_ROUTING waits for an SRCU grace period: only when something changed.
        if (lastRoutes == null || !Arrays.equals(routes, lastRoutes)) {
            lastRoutes = routes;
            delivery.levelRoutes(gsis, addresses, data);
        }
    }

    private static int get(MemorySegment data) {
        int v = 0;
        for (int i = 0; i < Math.min(4, (int) data.byteSize()); i++)
            v |= Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, i)) << (8 * i);
        return v;
    }

    private static void put(MemorySegment data, int value) {
        for (int i = 0; i < data.byteSize(); i++)
            data.set(ValueLayout.JAVA_BYTE, i, i < 4 ? (byte) (value >>> (8 * i)) : 0);
    }

    private static void checkPin(int pin) {
        if (pin < 0 || pin >= PINS)
            throw new IllegalArgumentException("IOAPIC pin " + pin + " is not 0.." + (PINS - 1));
    }

    // ---- snapshot -----------------------------------------------------------------------------

    /** Registers, redirection table and input levels, for a snapshot. */
    public synchronized byte[] saveState() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(b)) {
            d.writeInt(id);
            d.writeInt(select);
            d.writeInt(levels);
            d.writeInt(PINS);
            for (long e : table) d.writeLong(e);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return b.toByteArray();
    }

    /** Puts back what {@link #saveState} wrote, and KVM's routes for its level-triggered pins. */
    public synchronized void restoreState(byte[] state) {
        try (DataInputStream d = new DataInputStream(new ByteArrayInputStream(state))) {
            int newId = d.readInt(), newSelect = d.readInt(), newLevels = d.readInt(), n = d.readInt();
            if (n != PINS) throw new IllegalArgumentException("IOAPIC state has " + n + " pins, expected " + PINS);
            long[] t = new long[PINS];
            for (int i = 0; i < PINS; i++) t[i] = d.readLong();
            if (d.read() != -1) throw new IllegalArgumentException("IOAPIC state has trailing bytes");
            id = newId & 0xf;
            select = newSelect & 0xff;
            levels = newLevels & ((1 << PINS) - 1);
            System.arraycopy(t, 0, table, 0, PINS);
        } catch (IOException e) {
            throw new IllegalArgumentException("IOAPIC state is truncated");
        }
        lastRoutes = null; // force: the restoring KVM has no routes yet
        updateRoutes();
    }
}
