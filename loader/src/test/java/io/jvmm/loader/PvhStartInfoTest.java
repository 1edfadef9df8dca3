package io.jvmm.loader;

import static io.jvmm.loader.BootParamsTest.assertReason;
import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.memory.GuestMemory;
import java.util.List;
import org.junit.jupiter.api.Test;

class PvhStartInfoTest {
    @Test
    void writesStartInfoModulesAndMemmap() {
        GuestMemory mem = TestFiles.ram(4 << 20);
        TestFiles.poison(mem, (byte) 0x33);
        List<E820Entry> map = E820Map.build(mem);
        PvhStartInfo.write(
                mem, 0x6000, 0x20000, 0xe0000, List.of(new PvhStartInfo.Module(0x300000, 0x1234, 0)), 0x7000, map);
        assertEquals(0x336ec578, mem.readInt(0x6000), "magic");
        assertEquals(1, mem.readInt(0x6004), "version");
        assertEquals(0, mem.readInt(0x6008), "flags");
        assertEquals(1, mem.readInt(0x600c), "nr_modules");
        assertEquals(0x6040, mem.readLong(0x6010), "modlist_paddr");
        assertEquals(0x20000, mem.readLong(0x6018), "cmdline_paddr");
        assertEquals(0xe0000, mem.readLong(0x6020), "rsdp_paddr");
        assertEquals(0x7000, mem.readLong(0x6028), "memmap_paddr");
        assertEquals(map.size(), mem.readInt(0x6030), "memmap_entries");
        assertEquals(0, mem.readInt(0x6034), "reserved");
        assertEquals(0x300000, mem.readLong(0x6040));
        assertEquals(0x1234, mem.readLong(0x6048));
        assertEquals(0, mem.readLong(0x6050));
        assertEquals(0, mem.readLong(0x6058), "module reserved");
        for (int i = 0; i < map.size(); i++) {
            long at = 0x7000 + 24L * i;
            assertEquals(map.get(i), new E820Entry(mem.readLong(at), mem.readLong(at + 8), mem.readInt(at + 16)));
            assertEquals(0, mem.readInt(at + 20), "memmap reserved");
        }
        assertEquals((byte) 0x33, mem.readByte(0x7000 + 24L * map.size()), "nothing written past the memmap");
    }

    @Test
    void noModulesMeansZeroModlist() {
        GuestMemory mem = TestFiles.ram(1 << 20);
        PvhStartInfo.write(mem, 0x6000, 0, 0, List.of(), 0x7000, List.of(new E820Entry(0, 0x9fc00, 1)));
        assertEquals(0, mem.readInt(0x600c));
        assertEquals(0, mem.readLong(0x6010));
    }

    @Test
    void rejectsOutsideRamAndOverlap() {
        GuestMemory mem = TestFiles.ram(1 << 20);
        List<E820Entry> map = List.of(new E820Entry(0, 0x9fc00, 1), new E820Entry(0x100000, 0x100000, 1));
        assertReason(
                LoaderException.Reason.OUTSIDE_RAM,
                () -> PvhStartInfo.write(mem, 0xfffe0, 0, 0, List.of(), 0x7000, map));
        assertReason(
                LoaderException.Reason.OUTSIDE_RAM,
                () -> PvhStartInfo.write(mem, 0x6000, 0, 0, List.of(), 0xffff0, map));
        assertReason(
                LoaderException.Reason.OUTSIDE_RAM,
                () -> PvhStartInfo.write(mem, 0x6000, 0, 0, List.of(), 0x6020, map));
        assertReason(
                LoaderException.Reason.OUTSIDE_RAM,
                () -> PvhStartInfo.write(
                        mem, 0x6000, 0, 0, List.of(new PvhStartInfo.Module(0x80000, 16, 0)), 0x6050, map));
        assertThrows(IllegalArgumentException.class, () -> new PvhStartInfo.Module(0x1000, 0, 0));
    }
}
