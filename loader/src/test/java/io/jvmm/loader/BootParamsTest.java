package io.jvmm.loader;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.memory.GuestMemory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BootParamsTest {
    private static final long ZP = 0x7000, CMDLINE = 0x20000;

    @TempDir
    Path dir;

    @Test
    void bzImageHeaderIsCopiedAndLoaderFieldsFilled() {
        GuestMemory mem = TestFiles.ram(64 << 20);
        BzImageBuilder b = new BzImageBuilder();
        LoadedKernel k = BzImageLoader.load(mem, TestFiles.write(dir, "bz", b.build()));
        TestFiles.poison(mem, (byte) 0x77); // the zero page must be cleared, not just overwritten
        List<E820Entry> e820 = E820Map.build(mem);
        BootParams.write(mem, ZP, k, CMDLINE, 20, 0x3000000, 0x12345, e820, 0xe0000);

        byte[] hdr = k.header().bytes();
        byte[] got = new byte[hdr.length];
        mem.read(ZP + 0x1f1, got);
        // Same bytes except the fields the loader owns.
        for (int i = 0; i < hdr.length; i++) {
            long off = 0x1f1 + i;
            boolean owned = off == 0x210
                    || (off >= 0x218 && off < 0x220)
                    || (off >= 0x228 && off < 0x22c)
                    || (off >= 0x238 && off < 0x23c);
            if (!owned) assertEquals(hdr[i], got[i], "header byte at 0x" + Long.toHexString(off));
        }
        assertEquals((byte) 0xff, mem.readByte(ZP + 0x210), "type_of_loader");
        assertEquals((int) CMDLINE, mem.readInt(ZP + 0x228), "cmd_line_ptr");
        assertEquals(20, mem.readInt(ZP + 0x238), "cmdline_size");
        assertEquals(0x3000000, mem.readInt(ZP + 0x218), "ramdisk_image");
        assertEquals(0x12345, mem.readInt(ZP + 0x21c), "ramdisk_size");
        assertEquals(0, mem.readInt(ZP + 0x0c0));
        assertEquals(0, mem.readInt(ZP + 0x0c8));
        assertEquals(0xe0000, mem.readLong(ZP + 0x070), "acpi_rsdp_addr");
        assertEquals(0x200000, mem.readInt(ZP + 0x230), "kernel_alignment comes from the kernel");
        assertEquals(0, mem.readByte(ZP + 0x1ef), "sentinel must be 0");
        assertEquals(0, mem.readLong(ZP), "screen_info zeroed");
        assertE820(mem, e820);
        assertEquals((byte) 0x77, mem.readByte(ZP + 4096), "nothing past the zero page");
    }

    @Test
    void elfKernelGetsSynthesizedHeader() {
        GuestMemory mem = TestFiles.ram(16 << 20);
        LoadedKernel k = new LoadedKernel(BootMode.LINUX_64, 0x1000000, 0x1000000, 0x1100000, null);
        BootParams.write(mem, ZP, k, CMDLINE, 5, 0, 0, List.of(new E820Entry(0, 0x9fc00, E820Entry.RAM)));
        assertEquals((short) 0xaa55, mem.readShort(ZP + 0x1fe), "boot_flag");
        assertEquals(0x53726448, mem.readInt(ZP + 0x202), "header HdrS");
        assertEquals(0x020c, mem.readShort(ZP + 0x206), "version");
        assertEquals(0x01000000, mem.readInt(ZP + 0x230), "kernel_alignment");
        assertEquals((byte) 0xff, mem.readByte(ZP + 0x210));
        assertEquals(0, mem.readInt(ZP + 0x218), "no initrd");
        assertEquals(1, mem.readByte(ZP + 0x1e8));
    }

    @Test
    void addressesAbove4GiBUseExtFields() {
        GuestMemory mem = TestFiles.ramWithHole(1 << 20, 0x1_0000_0000L, 1 << 20);
        LoadedKernel k = new LoadedKernel(BootMode.LINUX_64, 0x100000, 0x100000, 0x100000, null);
        long cmd = 0x1_0000_0100L, initrd = 0x1_0001_0000L;
        BootParams.write(mem, ZP, k, cmd, 16, initrd, 0x8000, List.of());
        assertEquals(0x100, mem.readInt(ZP + 0x228));
        assertEquals(1, mem.readInt(ZP + 0x0c8), "ext_cmd_line_ptr");
        assertEquals(0x10000, mem.readInt(ZP + 0x218));
        assertEquals(1, mem.readInt(ZP + 0x0c0), "ext_ramdisk_image");
        assertEquals(0x8000, mem.readInt(ZP + 0x21c));
        assertEquals(0, mem.readInt(ZP + 0x0c4), "ext_ramdisk_size");
    }

    @Test
    void fullE820TableOf128() {
        GuestMemory mem = TestFiles.ram(1 << 20);
        List<E820Entry> map = new ArrayList<>();
        for (int i = 0; i < 128; i++) map.add(new E820Entry(i * 0x10000L, 0x8000 + i, 1 + i % 2));
        LoadedKernel k = new LoadedKernel(BootMode.LINUX_64, 0x100000, 0x100000, 0x100000, null);
        BootParams.write(mem, ZP, k, CMDLINE, 1, 0, 0, map);
        assertE820(mem, map);
        map.add(new E820Entry(0x900000, 0x1000, 1));
        LoaderException e =
                assertThrows(LoaderException.class, () -> BootParams.write(mem, ZP, k, CMDLINE, 1, 0, 0, map));
        assertEquals(LoaderException.Reason.TOO_LARGE, e.reason());
    }

    @Test
    void rejectsBadInputs() {
        GuestMemory mem = TestFiles.ram(1 << 20);
        LoadedKernel elf = new LoadedKernel(BootMode.LINUX_64, 0x100000, 0x100000, 0x100000, null);
        List<E820Entry> none = List.of();
        assertReason(
                LoaderException.Reason.OUTSIDE_RAM, () -> BootParams.write(mem, 0xff800, elf, CMDLINE, 1, 0, 0, none));
        assertReason(LoaderException.Reason.OUTSIDE_RAM, () -> BootParams.write(mem, ZP, elf, 0, 1, 0, 0, none));
        assertReason(LoaderException.Reason.OUTSIDE_RAM, () -> BootParams.write(mem, ZP, elf, 0xfffff, 2, 0, 0, none));
        assertReason(
                LoaderException.Reason.OUTSIDE_RAM,
                () -> BootParams.write(mem, ZP, elf, CMDLINE, 1, 0xff000, 0x2000, none));
        BzImageBuilder b = new BzImageBuilder();
        b.cmdlineSize = 10;
        LoadedKernel bz = BzImageLoader.load(TestFiles.ram(32 << 20), TestFiles.write(dir, "bz", b.build()));
        BootParams.write(mem, ZP, bz, CMDLINE, 11, 0, 0, none); // 10 chars + NUL: allowed
        assertReason(
                LoaderException.Reason.CMDLINE_TOO_LONG, () -> BootParams.write(mem, ZP, bz, CMDLINE, 12, 0, 0, none));
    }

    private static void assertE820(GuestMemory mem, List<E820Entry> map) {
        assertEquals(map.size(), mem.readByte(ZP + 0x1e8) & 0xff, "e820_entries");
        for (int i = 0; i < map.size(); i++) {
            long at = ZP + 0x2d0 + 20L * i;
            assertEquals(
                    new E820Entry(mem.readLong(at), mem.readLong(at + 8), mem.readInt(at + 16)),
                    map.get(i),
                    "e820_table[" + i + "]");
        }
    }

    static void assertReason(LoaderException.Reason r, org.junit.jupiter.api.function.Executable x) {
        LoaderException e = assertThrows(LoaderException.class, x);
        assertEquals(r, e.reason(), e.getMessage());
        assertFalse(e.getMessage().isBlank() || e.getMessage().contains("\n"));
    }
}
