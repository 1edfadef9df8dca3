package io.jvmm.loader;

import static io.jvmm.loader.LoaderException.Reason.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.memory.GuestMemory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BzImageLoaderTest {
    private static final long RAM = 32 << 20;

    @TempDir
    Path dir;

    private LoadedKernel load(GuestMemory mem, byte[] image) {
        return BzImageLoader.load(mem, TestFiles.write(dir, "bzImage", image));
    }

    @Test
    void loadsPayloadAt1MiBWithEntryAt0x200() {
        BzImageBuilder b = new BzImageBuilder();
        byte[] image = b.build();
        GuestMemory mem = TestFiles.ram(RAM);
        TestFiles.poison(mem, (byte) 0xaa);
        LoadedKernel k = load(mem, image);

        byte[] got = new byte[b.payload.length];
        mem.read(0x100000, got);
        assertArrayEquals(b.payload, got);
        assertEquals((byte) 0xaa, mem.readByte(0x100000 + b.payload.length), "nothing written past the payload");
        assertEquals((byte) 0xaa, mem.readByte(0xfffff), "setup code is not loaded");
        assertEquals(BootMode.LINUX_64, k.mode());
        assertEquals(0x100200, k.entry());
        assertEquals(0x100000, k.lowestAddress());
        // Relocatable, 2 MiB aligned, pref_address 16 MiB: the decompressor runs at 16 MiB.
        assertEquals(0x1000000 + b.initSize, k.highestAddress());
        assertArrayEquals(
                Arrays.copyOfRange(image, 0x1f1, 0x202 + b.jumpOffset),
                k.header().bytes());
        assertEquals(0x020f, k.header().version());
        assertEquals(0x7fffffffL, k.header().initrdAddrMax());
        assertEquals(2047, k.header().cmdlineSize());
    }

    @Test
    void setupSectsZeroMeansFour() {
        BzImageBuilder b = new BzImageBuilder();
        b.setupSects = 0;
        GuestMemory mem = TestFiles.ram(RAM);
        load(mem, b.build());
        byte[] got = new byte[16];
        mem.read(0x100000, got);
        assertArrayEquals(Arrays.copyOf(b.payload, 16), got);
        assertEquals(5 * 512, b.payloadOffset());
    }

    @Test
    void runtimeStartFollowsBootProtocol() {
        BzImageBuilder b = new BzImageBuilder();
        b.relocatable = 0;
        b.prefAddress = 0x800000;
        assertEquals(0x800000 + b.initSize, load(TestFiles.ram(RAM), b.build()).highestAddress());
        BzImageBuilder big = new BzImageBuilder();
        big.kernelAlignment = 0x1000000;
        big.prefAddress = 0x200000;
        assertEquals(
                0x1000000 + big.initSize, load(TestFiles.ram(RAM), big.build()).highestAddress());
    }

    @Test
    void rejectsBadHeaders() {
        assertRejected(with(b -> b.bootFlag = 0x55aa), BAD_SETUP_HEADER, RAM);
        assertRejected(with(b -> b.magic = 0x53726449), BAD_MAGIC, RAM);
        assertRejected(with(b -> b.version = 0x020b), PROTOCOL_TOO_OLD, RAM);
        assertRejected(with(b -> b.xloadflags = 0x2), NOT_64BIT, RAM);
        assertRejected(with(b -> b.loadflags = 0), BAD_SETUP_HEADER, RAM);
        assertRejected(with(b -> b.kernelAlignment = 0x300000), BAD_SETUP_HEADER, RAM);
        assertRejected(Arrays.copyOf(new BzImageBuilder().build(), 0x100), TRUNCATED, RAM);
        assertRejected(with(b -> b.payload = new byte[0]), TRUNCATED, RAM);
        byte[] sectsPastEof = new BzImageBuilder().build();
        sectsPastEof[0x1f1] = 60;
        assertRejected(sectsPastEof, TRUNCATED, RAM);
    }

    @Test
    void rejectsKernelsLargerThanRam() {
        assertRejected(with(b -> b.payload = new byte[3 << 20]), TOO_LARGE, 2 << 20);
        assertRejected(with(b -> b.initSize = 0x1000001), TOO_LARGE, RAM); // 16 MiB + init_size > 32 MiB
        assertRejected(with(b -> b.prefAddress = -4096), TOO_LARGE, RAM);
    }

    @Test
    void realBzImageIfPresent() throws Exception {
        String kdir = System.getenv("JVMM_KERNEL_DIR");
        assumeTrue(kdir != null && Files.isRegularFile(Path.of(kdir, "bzImage")), "no $JVMM_KERNEL_DIR/bzImage");
        Path image = Path.of(kdir, "bzImage");
        assertEquals(KernelImage.BZIMAGE, KernelImage.detect(image));
        GuestMemory mem = TestFiles.ram(256L << 20);
        LoadedKernel k = BzImageLoader.load(mem, image);
        assertEquals(0x100200, k.entry());
        assertTrue(k.header().version() >= 0x020c);
        byte[] file = Files.readAllBytes(image);
        int payload = (k.header().setupSects() + 1) * 512;
        byte[] got = new byte[file.length - payload];
        mem.read(0x100000, got);
        assertArrayEquals(Arrays.copyOfRange(file, payload, file.length), got);
        assertEquals(BzImageLoader.runtimeStart(k.header()) + k.header().initSize(), k.highestAddress());
        System.out.printf(
                "bzImage: protocol 0x%04x, payload %d bytes, init_size 0x%x, highest 0x%x%n",
                k.header().version(), got.length, k.header().initSize(), k.highestAddress());
    }

    private static byte[] with(Consumer<BzImageBuilder> change) {
        BzImageBuilder b = new BzImageBuilder();
        change.accept(b);
        return b.build();
    }

    private void assertRejected(byte[] image, LoaderException.Reason reason, long ram) {
        GuestMemory mem = TestFiles.ram(ram);
        TestFiles.poison(mem, (byte) 0x5a);
        byte[] before = TestFiles.snapshot(mem);
        LoaderException e = assertThrows(LoaderException.class, () -> load(mem, image));
        assertEquals(reason, e.reason(), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertArrayEquals(before, TestFiles.snapshot(mem), "guest memory untouched after " + reason);
    }
}
