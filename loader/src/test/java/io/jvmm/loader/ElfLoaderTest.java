package io.jvmm.loader;

import static io.jvmm.loader.LoaderException.Reason.*;
import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.memory.GuestMemory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ElfLoaderTest {
    private static final long RAM = 4 << 20;
    private static final long KVIRT = 0xffffffff81000000L;
    private static final byte[] TEXT = TestFiles.random(1, 5000);
    private static final byte[] DATA = TestFiles.random(2, 100);

    @TempDir
    Path dir;

    /** A vmlinux-shaped ELF: text at virtual KVIRT / physical 1 MiB with bss, data at 2 MiB. */
    private static ElfBuilder kernelLike() {
        ElfBuilder b = new ElfBuilder();
        b.load(KVIRT, 0x100000, TEXT, 0x3000);
        b.load(KVIRT + 0x100000, 0x200000, DATA, 0x1000);
        b.entry = KVIRT + 0x10;
        return b;
    }

    private LoadedKernel load(GuestMemory mem, byte[] elf) {
        return ElfLoader.load(mem, TestFiles.write(dir, "k.elf", elf));
    }

    @Test
    void loadsSegmentsAtPaddrAndZeroFillsBss() {
        GuestMemory mem = TestFiles.ram(RAM);
        TestFiles.poison(mem, (byte) 0xaa);
        LoadedKernel k = load(mem, kernelLike().build());

        byte[] got = new byte[TEXT.length];
        mem.read(0x100000, got);
        assertArrayEquals(TEXT, got);
        byte[] got2 = new byte[DATA.length];
        mem.read(0x200000, got2);
        assertArrayEquals(DATA, got2);
        for (long a = 0x100000 + TEXT.length; a < 0x103000; a++)
            assertEquals(0, mem.readByte(a), "bss at 0x" + Long.toHexString(a));
        for (long a = 0x200000 + DATA.length; a < 0x201000; a++) assertEquals(0, mem.readByte(a));
        assertEquals((byte) 0xaa, mem.readByte(0x103000), "byte after p_memsz must be untouched");
        assertEquals((byte) 0xaa, mem.readByte(0xfffff), "byte before p_paddr must be untouched");

        assertEquals(BootMode.LINUX_64, k.mode());
        assertEquals(0x100010, k.entry(), "virtual e_entry mapped through the segment's p_vaddr -> p_paddr");
        assertEquals(0x100000, k.lowestAddress());
        assertEquals(0x201000, k.highestAddress());
        assertNull(k.header());
    }

    @Test
    void physicalEntryIsKeptAsIs() {
        ElfBuilder b = kernelLike();
        b.entry = 0x200020; // Linux: ENTRY(phys_startup_64)
        assertEquals(0x200020, load(TestFiles.ram(RAM), b.build()).entry());
    }

    @Test
    void entryInNoSegmentIsRejected() {
        ElfBuilder b = kernelLike();
        b.entry = 0x300000;
        assertRejected(b.build(), NO_ENTRY);
    }

    @Test
    void findsPvhNoteAfterOtherNotes() {
        for (int descSize : new int[] {4, 8}) {
            ElfBuilder b = kernelLike();
            byte[] xen = descSize == 8
                    ? ElfBuilder.pvhNote(0x100040)
                    : ElfBuilder.noteBytes("Xen", ElfFile.XEN_ELFNOTE_PHYS32_ENTRY, le32(0x100040));
            b.note(ElfBuilder.concat(
                    ElfBuilder.noteBytes("GNU", 3, TestFiles.random(3, 20)),
                    ElfBuilder.noteBytes("Xen", 5, "linux".getBytes()), // XEN_ELFNOTE_GUEST_OS
                    ElfBuilder.noteBytes("Lin", 18, le32(0x999)), // type 18 but not Xen's
                    xen));
            LoadedKernel k = load(TestFiles.ram(RAM), b.build());
            assertEquals(BootMode.PVH, k.mode(), "desc size " + descSize);
            assertEquals(0x100040, k.entry());
        }
    }

    @Test
    void pvhEntryOutsideSegmentsIsRejected() {
        ElfBuilder b = kernelLike();
        b.note(ElfBuilder.pvhNote(0x300000));
        assertRejected(b.build(), NO_ENTRY);
    }

    @Test
    void malformedHeaders() {
        byte[] good = kernelLike().build();
        assertRejected(Arrays.copyOf(good, 40), TRUNCATED);
        assertRejected(Arrays.copyOf(good, 3), BAD_MAGIC);
        byte[] badMagic = good.clone();
        badMagic[1] = 'X';
        assertRejected(badMagic, BAD_MAGIC);
        assertRejected(with(b -> b.elfClass = 1), UNSUPPORTED_CLASS);
        assertRejected(with(b -> b.elfData = 2), UNSUPPORTED_ENDIANNESS);
        assertRejected(with(b -> b.machine = 3), UNSUPPORTED_MACHINE); // EM_386
        assertRejected(with(b -> b.type = 3), UNSUPPORTED_TYPE); // ET_DYN
        assertRejected(with(b -> b.phentsize = 32), BAD_PROGRAM_HEADER);
        assertRejected(with(b -> b.phnumOverride = 0), NO_LOAD_SEGMENTS);
        assertRejected(with(b -> b.phnumOverride = 200), TRUNCATED); // table runs past EOF
        assertRejected(with(b -> b.phoffOverride = 1L << 40), TRUNCATED);
        assertRejected(with(b -> b.phoffOverride = -8L), TRUNCATED); // phoff + size overflows
    }

    @Test
    void malformedSegments() {
        // The first segment is fine; the second is bad: nothing at all may be written.
        assertRejected(with(b -> b.load(0, 0x3ff000, DATA, 0x2000)), SEGMENT_OUTSIDE_RAM);
        assertRejected(with(b -> b.load(0, 0xfffffffffffff000L, DATA, 0x2000)), SEGMENT_OUTSIDE_RAM);
        assertRejected(with(b -> b.load(0, 0x300000, DATA, 0x8000000000000000L)), SEGMENT_OUTSIDE_RAM);
        assertRejected(with(b -> b.load(0, 0x300000, DATA, -1L)), SEGMENT_OUTSIDE_RAM);
        assertRejected(with(b -> b.load(0, 0x102000, DATA, 0x2000)), SEGMENT_OVERLAP);
        assertRejected(with(b -> b.phdrs.get(1).fixedOffset = 1L << 20), TRUNCATED); // p_offset past EOF
        assertRejected(
                with(b -> b.phdrs.get(1).fixedOffset = 0xffffffffffffff00L), TRUNCATED); // offset + filesz overflows
        assertRejected(with(b -> b.phdrs.get(1).filesz = 0x2000), BAD_PROGRAM_HEADER); // filesz > memsz
        assertRejected(with(b -> b.phdrs.get(1).filesz = 0x800), TRUNCATED); // past EOF
        ElfBuilder noLoads = new ElfBuilder();
        noLoads.note(ElfBuilder.pvhNote(0x100000));
        assertRejected(noLoads.build(), NO_LOAD_SEGMENTS);
        ElfBuilder empty = new ElfBuilder();
        empty.load(0, 0x100000, new byte[0], 0);
        assertRejected(empty.build(), NO_LOAD_SEGMENTS);
    }

    @Test
    void segmentAcrossTheMmioHoleIsRejected() {
        GuestMemory mem = TestFiles.ramWithHole(2 << 20, 3 << 20, 1 << 20);
        ElfBuilder b = new ElfBuilder();
        b.load(0, 0x1ff000, TEXT, 0x102000); // would run from low RAM through the hole
        b.entry = 0x1ff000;
        byte[] before = TestFiles.snapshot(mem);
        LoaderException e = assertThrows(LoaderException.class, () -> load(mem, b.build()));
        assertEquals(SEGMENT_OUTSIDE_RAM, e.reason());
        assertArrayEquals(before, TestFiles.snapshot(mem));
        // A segment in the high region loads fine.
        ElfBuilder ok = new ElfBuilder();
        ok.load(0, 3 << 20, TEXT, 0x2000);
        ok.entry = 3 << 20;
        assertEquals(3 << 20, load(mem, ok.build()).lowestAddress());
    }

    @Test
    void malformedNotes() {
        assertRejected(with(b -> b.note(new byte[10])), BAD_NOTE); // header cut off
        byte[] huge = ElfBuilder.pvhNote(0x100000);
        ByteBuffer.wrap(huge).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 0x7fffffff); // namesz
        assertRejected(with(b -> b.note(huge)), BAD_NOTE);
        byte[] bigDesc = ElfBuilder.pvhNote(0x100000);
        ByteBuffer.wrap(bigDesc).order(ByteOrder.LITTLE_ENDIAN).putInt(4, -1); // descsz 0xffffffff
        assertRejected(with(b -> b.note(bigDesc)), BAD_NOTE);
        assertRejected(with(b -> b.note(ElfBuilder.noteBytes("Xen", 18, new byte[2]))), BAD_NOTE);
        assertRejected(with(b -> b.note(ElfBuilder.pvhNote(0x1_0000_0000L))), BAD_NOTE);
    }

    @Test
    void gccBuiltGuestLoads() throws Exception {
        assumeTrue(onPath("gcc"), "gcc not installed");
        // movabs $0x1122334455667788, %rax; hlt — found at the entry if the entry is right.
        String asm = """
                .globl _start
                .text
                _start: movabs $0x1122334455667788, %rax
                        hlt
                .bss
                .space 8192
                """;
        String note = """
                .pushsection .note.Xen, "a", @note
                .balign 4
                .long 4, 4, 18
                .asciz "Xen"
                .long _start
                .popsection
                """;
        byte[] marker = {0x48, (byte) 0xb8, (byte) 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, (byte) 0xf4};
        for (boolean pvh : new boolean[] {false, true}) {
            Path src = TestFiles.write(dir, "g.S", (asm + (pvh ? note : "")).getBytes());
            Path out = dir.resolve("g.elf");
            run(
                    "gcc",
                    "-nostdlib",
                    "-static",
                    "-no-pie",
                    "-Wl,--build-id=none",
                    "-Wl,-Ttext=0x200000",
                    "-o",
                    out.toString(),
                    src.toString());
            GuestMemory mem = TestFiles.ram(16 << 20);
            TestFiles.poison(mem, (byte) 0xcc);
            LoadedKernel k = ElfLoader.load(mem, out);
            assertEquals(pvh ? BootMode.PVH : BootMode.LINUX_64, k.mode());
            assertEquals(0x200000, k.entry());
            byte[] got = new byte[marker.length];
            mem.read(k.entry(), got);
            assertArrayEquals(marker, got);
            assertTrue(k.highestAddress() - k.lowestAddress() >= 8192, "bss counted in highestAddress");
            assertEquals(0, mem.readByte(k.highestAddress() - 1), "end of bss zero-filled");
        }
    }

    @Test
    void realVmlinuxIfPresent() throws Exception {
        String kdir = System.getenv("JVMM_KERNEL_DIR");
        assumeTrue(kdir != null && Files.isRegularFile(Path.of(kdir, "vmlinux")), "no $JVMM_KERNEL_DIR/vmlinux");
        Path vmlinux = Path.of(kdir, "vmlinux");
        assertEquals(KernelImage.ELF, KernelImage.detect(vmlinux));
        GuestMemory mem = TestFiles.ram(256L << 20);
        TestFiles.poison(mem, (byte) 0xcc);
        LoadedKernel k = ElfLoader.load(mem, vmlinux);
        assertTrue(k.entry() >= k.lowestAddress() && k.entry() < k.highestAddress(), "entry inside the image: " + k);
        assertTrue(k.lowestAddress() >= 0x100000, "vmlinux loads at or above 1 MiB: " + k);
        try (var ch = FileChannel.open(vmlinux)) {
            ElfFile elf = ElfFile.parse(ch);
            if (k.mode() == BootMode.LINUX_64) assertEquals(elf.entry, k.entry(), "ENTRY(phys_startup_64) is physical");
            for (ElfFile.Segment seg : elf.loads) {
                int n = (int) Math.min(seg.filesz(), 1 << 16);
                byte[] want = ChannelReads.readExactly(ch, seg.offset(), n, "segment");
                byte[] got = new byte[n];
                mem.read(seg.paddr(), got);
                assertArrayEquals(want, got, "segment " + seg.index() + " at 0x" + Long.toHexString(seg.paddr()));
                if (seg.memsz() > seg.filesz()) assertEquals(0, mem.readByte(seg.paddrEnd() - 1), "bss zeroed");
            }
        }
        System.out.printf(
                "vmlinux: mode=%s entry=0x%x image=[0x%x, 0x%x)%n",
                k.mode(), k.entry(), k.lowestAddress(), k.highestAddress());
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static byte[] le32(int v) {
        return le(4).putInt(v).array();
    }

    private static byte[] with(Consumer<ElfBuilder> change) {
        ElfBuilder b = kernelLike();
        change.accept(b);
        return b.build();
    }

    private void assertRejected(byte[] elf, LoaderException.Reason reason) {
        GuestMemory mem = TestFiles.ram(RAM);
        TestFiles.poison(mem, (byte) 0x5a);
        byte[] before = TestFiles.snapshot(mem);
        LoaderException e = assertThrows(LoaderException.class, () -> load(mem, elf));
        assertEquals(reason, e.reason(), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one-line message");
        assertArrayEquals(before, TestFiles.snapshot(mem), "guest memory must be untouched after " + reason);
    }

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }

    static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "timeout: " + String.join(" ", cmd));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed: " + out);
        return out;
    }
}
