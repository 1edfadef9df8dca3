package io.jvmm.core.arch.x86;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.memory.GuestMemory;
import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class MpTableTest {
    private static int sum(GuestMemory m, long addr, int len) {
        byte[] b = new byte[len];
        m.read(addr, b);
        int s = 0;
        for (byte x : b) s += x;
        return s & 0xff;
    }

    @Test
    void floatingPointerAndTableAreValid() {
        GuestMemory m = GuestMemory.of(Arena.ofAuto().allocate(1 << 20, 4096));
        int used = MpTable.write(m, 4);
        long fp = Layout.EBDA_START;
        assertEquals(0x5f504d5f, m.readInt(fp)); // "_MP_"
        assertEquals(0, sum(m, fp, 16));
        long table = m.readInt(fp + 4) & 0xffffffffL;
        assertEquals(0x504d4350, m.readInt(table)); // "PCMP"
        int len = m.readShort(table + 4) & 0xffff;
        assertEquals(used - 16, len);
        assertEquals(0, sum(m, table, len));
        // 4 processors + bus + IOAPIC + 24 IRQs (every IOAPIC pin) + 2 LINTs
        assertEquals(4 + 1 + 1 + 24 + 2, m.readShort(table + 34));
        // First processor entry is the enabled BSP with APIC id 0; the fourth has id 3.
        assertEquals(0, m.readByte(table + 44));
        assertEquals(3, m.readByte(table + 44 + 3) & 3);
        assertEquals(3, m.readByte(table + 44 + 60 + 1));
    }

    @Test
    void sixtyFourVcpusFit() {
        GuestMemory m = GuestMemory.of(Arena.ofAuto().allocate(1 << 20, 4096));
        assertTrue(MpTable.write(m, 64) < MpTable.MAX_BYTES);
    }
}
