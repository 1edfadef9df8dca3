package io.jvmm.core.arch.x86;

import io.jvmm.memory.GuestMemory;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * An Intel MultiProcessor Specification 1.4 table in the EBDA, so a kernel without ACPI finds every
 * vCPU, the IOAPIC and how ISA IRQs are wired (the Firecracker no-ACPI path).
 */
public final class MpTable {
    private MpTable() {}

    static final int APIC_VERSION = 0x14;
    private static final int CPU_ENABLED = 1, CPU_BSP = 2;
    private static final int ENTRY_PROCESSOR = 0, ENTRY_BUS = 1, ENTRY_IOAPIC = 2, ENTRY_IOINT = 3, ENTRY_LINT = 4;
    private static final int INT_TYPE_INT = 0, INT_TYPE_NMI = 1, INT_TYPE_EXTINT = 3;
    /** Every IOAPIC pin: 0-15 for ISA devices, 16-23 for virtio-mmio beyond IRQ 15. */
    private static final int IRQ_COUNT = 24;

    static final int MAX_BYTES = 0x10000;

    /** The IOAPIC's id: after the vCPUs' APIC ids, as Firecracker numbers it. */
    public static int ioapicId(int vcpus) {
        return vcpus;
    }

    /** Writes the floating pointer and the configuration table at {@link Layout#EBDA_START}; returns bytes used. */
    public static int write(GuestMemory mem, int vcpus) {
        long base = Layout.EBDA_START;
        long tableAddr = base + 16;
        byte[] config = configTable(vcpus);
        ByteBuffer fp = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        fp.put(new byte[] {'_', 'M', 'P', '_'})
                .putInt((int) tableAddr)
                .put((byte) 1)
                .put((byte) 4)
                .put((byte) 0)
                .put(new byte[5]);
        byte[] fpBytes = fp.array();
        fpBytes[10] = checksum(fpBytes);
        // E820 reserves [EBDA_START, 1 MiB); the table may run past the 1 KiB EBDA into that range.
        if (16 + config.length > MAX_BYTES) throw new IllegalStateException("MP table too large: " + config.length);
        mem.write(base, fpBytes);
        mem.write(tableAddr, config);
        return 16 + config.length;
    }

    static byte[] configTable(int vcpus) {
        ByteArrayOutputStream entries = new ByteArrayOutputStream();
        int count = 0;
        for (int cpu = 0; cpu < vcpus; cpu++) {
            ByteBuffer b = le(20);
            b.put((byte) ENTRY_PROCESSOR)
                    .put((byte) cpu)
                    .put((byte) APIC_VERSION)
                    .put((byte) (CPU_ENABLED | (cpu == 0 ? CPU_BSP : 0)))
                    .putInt(0x600) // CPU signature: family 6
                    .putInt(0x201) // features: FPU, APIC
                    .putLong(0);
            entries.writeBytes(b.array());
            count++;
        }
        ByteBuffer bus = le(8);
        bus.put((byte) ENTRY_BUS).put((byte) 0).put(new byte[] {'I', 'S', 'A', ' ', ' ', ' '});
        entries.writeBytes(bus.array());
        count++;
        int ioapic = ioapicId(vcpus);
        ByteBuffer io = le(8);
        io.put((byte) ENTRY_IOAPIC)
                .put((byte) ioapic)
                .put((byte) APIC_VERSION)
                .put((byte) 1)
                .putInt((int) Layout.IOAPIC);
        entries.writeBytes(io.array());
        count++;
        for (int irq = 0; irq < IRQ_COUNT; irq++) {
            ByteBuffer e = le(8);
            e.put((byte) ENTRY_IOINT)
                    .put((byte) INT_TYPE_INT)
                    .putShort((short) 0) // conforming polarity/trigger
                    .put((byte) 0)
                    .put((byte) irq)
                    .put((byte) ioapic)
                    .put((byte) irq);
            entries.writeBytes(e.array());
            count++;
        }
        // LINT0 of every LAPIC is ExtINT (the PIC), LINT1 is NMI: dest 0xff = all.
        ByteBuffer l0 = le(8);
        l0.put((byte) ENTRY_LINT)
                .put((byte) INT_TYPE_EXTINT)
                .putShort((short) 0)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0xff)
                .put((byte) 0);
        entries.writeBytes(l0.array());
        ByteBuffer l1 = le(8);
        l1.put((byte) ENTRY_LINT)
                .put((byte) INT_TYPE_NMI)
                .putShort((short) 0)
                .put((byte) 0)
                .put((byte) 0)
                .put((byte) 0xff)
                .put((byte) 1);
        entries.writeBytes(l1.array());
        count += 2;

        byte[] body = entries.toByteArray();
        ByteBuffer h = le(44 + body.length);
        h.put(new byte[] {'P', 'C', 'M', 'P'})
                .putShort((short) (44 + body.length))
                .put((byte) 4)
                .put((byte) 0)
                .put("JVMM    ".getBytes(StandardCharsets.US_ASCII))
                .put("MICROVM     ".getBytes(StandardCharsets.US_ASCII))
                .putInt(0)
                .putShort((short) 0)
                .putShort((short) count)
                .putInt((int) Layout.LAPIC)
                .putShort((short) 0)
                .put((byte) 0)
                .put((byte) 0)
                .put(body);
        byte[] table = h.array();
        table[7] = checksum(table);
        return table;
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The byte that makes {@code b} sum to zero (with the checksum byte itself still zero). */
    static byte checksum(byte[] b) {
        int sum = 0;
        for (byte x : b) sum += x;
        return (byte) -sum;
    }
}
