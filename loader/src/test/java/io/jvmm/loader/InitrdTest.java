package io.jvmm.loader;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.memory.GuestMemory;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitrdTest {
    @TempDir
    Path dir;

    @Test
    void placedAtTopOfRamPageAligned() {
        GuestMemory mem = TestFiles.ram(64 << 20);
        assertEquals((64 << 20) - 0x2000, Initrd.place(mem, 0x1001, 0, 0x200000));
        assertEquals((64 << 20) - 0x1000, Initrd.place(mem, 0x1000, 0, 0x200000));
    }

    @Test
    void respectsInitrdAddrMax() {
        GuestMemory mem = TestFiles.ram(64 << 20);
        // initrd_addr_max is the last byte the initrd may use, inclusive.
        assertEquals(0x1000000, Initrd.place(mem, 0x1000, 0x1000fff, 0x200000));
        assertEquals(0xfff000, Initrd.place(mem, 0x1000, 0x1000ffe, 0x200000));
        GuestMemory big = TestFiles.ramWithHole(0x40000000L, 0x1_0000_0000L, 1 << 20);
        assertEquals(0x37fff000, Initrd.place(big, 0x1000, 0, 0x200000), "default 0x37ffffff");
        assertEquals(0x37fff000, Initrd.place(big, 0x1000, -1, 0x200000));
    }

    @Test
    void prefersHighRegionWhenAllowed() {
        GuestMemory mem = TestFiles.ramWithHole(16 << 20, 0x1_0000_0000L, 1 << 20);
        assertEquals(0x1_0000_0000L + (1 << 20) - 0x1000, Initrd.place(mem, 0x1000, Long.MAX_VALUE, 0x200000));
        assertEquals(
                (16 << 20) - 0x200000,
                Initrd.place(mem, 0x200000, Long.MAX_VALUE, 0x200000),
                "too big for the high region");
    }

    @Test
    void mustStayAboveTheKernelAndFit() {
        GuestMemory mem = TestFiles.ram(16 << 20);
        assertEquals(0x800000, Initrd.place(mem, 0x800000, 0, 0x800000), "exactly fits between kernel and RAM end");
        assertReason(() -> Initrd.place(mem, 0x800001, 0, 0x800000));
        assertReason(() -> Initrd.place(mem, 17 << 20, 0, 0));
        assertReason(() -> Initrd.place(mem, 0, 0, 0));
        assertReason(
                () -> Initrd.place(mem, 0x1000, 0x1fff, 0x1001)); // cap leaves only page 0x1000, below the kernel end
    }

    @Test
    void randomPlacementsMatchBruteForce() {
        Random rnd = new Random(7);
        GuestMemory mem = TestFiles.ramWithHole(32 << 20, 48 << 20, 8 << 20);
        for (int i = 0; i < 500; i++) {
            long size = 1 + rnd.nextInt(rnd.nextBoolean() ? 1 << 20 : 40 << 20);
            long max = rnd.nextBoolean() ? 0 : rnd.nextInt(64 << 20);
            long kernelEnd = rnd.nextInt(40 << 20);
            long cap = (max <= 0 ? Initrd.DEFAULT_ADDR_MAX : max) + 1;
            // Oracle: try every page from the top down.
            long expected = -1;
            for (long a = 56L << 20; a >= 0; a -= 4096) {
                if (a >= kernelEnd && a + size <= cap && mem.contains(a, size)) {
                    expected = a;
                    break;
                }
            }
            String what = "size " + size + " max " + max + " kernelEnd " + kernelEnd;
            if (expected < 0) {
                LoaderException e =
                        assertThrows(LoaderException.class, () -> Initrd.place(mem, size, max, kernelEnd), what);
                assertEquals(LoaderException.Reason.INITRD_DOES_NOT_FIT, e.reason());
            } else {
                assertEquals(expected, Initrd.place(mem, size, max, kernelEnd), what);
            }
        }
    }

    @Test
    void loadCopiesFile() {
        byte[] data = TestFiles.random(9, 10_000);
        Path f = TestFiles.write(dir, "initrd", data);
        GuestMemory mem = TestFiles.ram(1 << 20);
        long addr = Initrd.place(mem, data.length, 0, 0x10000);
        assertEquals(data.length, Initrd.load(mem, f, addr));
        byte[] got = new byte[data.length];
        mem.read(addr, got);
        assertArrayEquals(data, got);
        LoaderException e = assertThrows(LoaderException.class, () -> Initrd.load(mem, f, (1 << 20) - 100));
        assertEquals(LoaderException.Reason.OUTSIDE_RAM, e.reason());
    }

    @Test
    void addrMaxFromHeader(@TempDir Path d) {
        assertEquals(
                Initrd.DEFAULT_ADDR_MAX,
                Initrd.addrMax(new LoadedKernel(BootMode.PVH, 0x100000, 0x100000, 0x200000, null)));
        LoadedKernel bz =
                BzImageLoader.load(TestFiles.ram(32 << 20), TestFiles.write(d, "bz", new BzImageBuilder().build()));
        assertEquals(0x7fffffffL, Initrd.addrMax(bz));
    }

    private static void assertReason(org.junit.jupiter.api.function.Executable x) {
        LoaderException e = assertThrows(LoaderException.class, x);
        assertEquals(LoaderException.Reason.INITRD_DOES_NOT_FIT, e.reason(), e.getMessage());
    }
}
