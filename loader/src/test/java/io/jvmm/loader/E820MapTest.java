package io.jvmm.loader;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.memory.GuestMemory;
import io.jvmm.memory.MemoryRegion;
import java.lang.foreign.Arena;
import java.util.List;
import org.junit.jupiter.api.Test;

class E820MapTest {
    @Test
    void singleRegion() {
        assertEquals(
                List.of(
                        new E820Entry(0, 0x9fc00, E820Entry.RAM),
                        new E820Entry(0x9fc00, 0x100000 - 0x9fc00, E820Entry.RESERVED),
                        new E820Entry(0x100000, (64 << 20) - 0x100000, E820Entry.RAM)),
                E820Map.build(TestFiles.ram(64 << 20)));
    }

    @Test
    void regionAboveTheHole() {
        GuestMemory mem = TestFiles.ramWithHole(8 << 20, 0x1_0000_0000L, 2 << 20);
        List<E820Entry> map = E820Map.build(mem);
        assertEquals(4, map.size());
        assertEquals(new E820Entry(0x100000, (8 << 20) - 0x100000, E820Entry.RAM), map.get(2));
        assertEquals(new E820Entry(0x1_0000_0000L, 2 << 20, E820Entry.RAM), map.get(3));
        long ram = map.stream()
                .filter(e -> e.type() == E820Entry.RAM)
                .mapToLong(E820Entry::size)
                .sum();
        assertEquals(mem.totalSize() - (0x100000 - 0x9fc00), ram, "RAM entries cover all RAM but the legacy hole");
    }

    @Test
    void rejectsUnbootableLayouts() {
        Arena a = Arena.ofAuto();
        LoaderException e = assertThrows(
                LoaderException.class, () -> E820Map.build(List.of(new MemoryRegion(0x1000, a.allocate(4 << 20)))));
        assertEquals(LoaderException.Reason.BAD_MEMORY_LAYOUT, e.reason());
        e = assertThrows(LoaderException.class, () -> E820Map.build(TestFiles.ram(0x100000)));
        assertEquals(LoaderException.Reason.BAD_MEMORY_LAYOUT, e.reason());
        assertThrows(LoaderException.class, () -> E820Map.build(List.of()));
    }

    @Test
    void entryValidation() {
        assertThrows(IllegalArgumentException.class, () -> new E820Entry(0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> new E820Entry(Long.MAX_VALUE - 10, 100, 1));
        assertEquals(0x3000, new E820Entry(0x1000, 0x2000, 1).end());
    }
}
