package io.jvmm.memory;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class GuestMemoryTest {
    private final Arena arena = Arena.ofAuto();

    private GuestMemory twoRegions() {
        return GuestMemory.of(
                new MemoryRegion(0, arena.allocate(0x1000)), new MemoryRegion(0x10000, arena.allocate(0x1000)));
    }

    @Test
    void valuesAreLittleEndian() {
        GuestMemory m = twoRegions();
        m.writeInt(0x10, 0x11223344);
        assertEquals((byte) 0x44, m.readByte(0x10));
        m.writeLong(0x10008, -2L);
        assertEquals(-2L, m.readLong(0x10008));
        assertEquals((short) 0xfffe, m.readShort(0x10008));
    }

    @Test
    void accessesOutsideRamAreRefused() {
        GuestMemory m = twoRegions();
        assertThrows(GuestMemoryException.class, () -> m.readInt(0xffe)); // straddles the end of region 0
        assertThrows(GuestMemoryException.class, () -> m.readByte(0x1000)); // in the hole
        assertThrows(GuestMemoryException.class, () -> m.slice(0x10000, 0x1001));
        assertThrows(GuestMemoryException.class, () -> m.slice(-1, 1));
        assertThrows(GuestMemoryException.class, () -> m.slice(0x10000, -1));
        assertThrows(GuestMemoryException.class, () -> m.slice(Long.MAX_VALUE, 2)); // no overflow into range
        assertThrows(GuestMemoryException.class, () -> m.write(0xfff, new byte[2]));
        assertFalse(m.contains(0x800, 0x1000));
        assertTrue(m.contains(0x10000, 0x1000));
    }

    @Test
    void totalSizeExcludesHoles() {
        assertEquals(0x2000, twoRegions().totalSize());
    }

    @Test
    void overlappingRegionsAreRejected() {
        assertThrows(
                IllegalArgumentException.class,
                () -> GuestMemory.of(
                        new MemoryRegion(0, arena.allocate(0x2000)), new MemoryRegion(0x1000, arena.allocate(0x1000))));
    }
}
