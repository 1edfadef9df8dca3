package io.jvmm.loader;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelSymbolsTest {
    private static final long TEXT = 0xffffffff81000000L;
    private static final long TEXT_SIZE = 0x10000;
    private static final long DATA = 0xffffffff82000000L;

    @TempDir
    Path dir;

    /** One symbol: name, value, st_info type, section index (1 .text, 2 .data). */
    private record Sym(String name, long value, int type, int section) {}

    /**
     * An ELF64 with sections: 0 null, 1 .text (executable), 2 .data, 3 .symtab (link 4), 4 .strtab.
     * {@code mutate} may change the section header table (64 bytes per entry) before it is written.
     */
    private Path elf(List<Sym> syms, java.util.function.Consumer<ByteBuffer> mutate) throws Exception {
        ByteArrayOutputStream strtab = new ByteArrayOutputStream();
        strtab.write(0);
        ByteBuffer symtab = ByteBuffer.allocate(24 * (syms.size() + 1)).order(ByteOrder.LITTLE_ENDIAN);
        symtab.position(24); // entry 0 is the null symbol
        for (Sym s : syms) {
            int nameAt = strtab.size();
            strtab.write((s.name() + "\0").getBytes(StandardCharsets.UTF_8));
            symtab.putInt(nameAt).put((byte) s.type()).put((byte) 0).putShort((short) s.section());
            symtab.putLong(s.value()).putLong(0);
        }
        byte[] str = strtab.toByteArray(), sym = symtab.array();
        long symOff = 64, strOff = symOff + sym.length, shOff = (strOff + str.length + 7) & ~7L;
        ByteBuffer sh = ByteBuffer.allocate(64 * 5).order(ByteOrder.LITTLE_ENDIAN);
        section(sh, 1, 1, 0x6, TEXT, 0, TEXT_SIZE, 0); // PROGBITS, ALLOC|EXECINSTR
        section(sh, 2, 1, 0x3, DATA, 0, 0x1000, 0); // PROGBITS, WRITE|ALLOC
        section(sh, 3, 2, 0, 0, symOff, sym.length, 4); // SYMTAB, link .strtab
        section(sh, 4, 3, 0, 0, strOff, str.length, 0); // STRTAB
        mutate.accept(sh);
        ByteBuffer eh = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        eh.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        eh.putShort(16, (short) 2).putShort(18, (short) 62).putLong(40, shOff);
        eh.putShort(58, (short) 64).putShort(60, (short) 5);
        ByteBuffer file = ByteBuffer.allocate((int) shOff + sh.capacity());
        file.put(eh.array()).put(sym).put(str).position((int) shOff);
        file.put(sh.array());
        Path p = dir.resolve("vmlinux");
        Files.write(p, file.array());
        return p;
    }

    private static void section(ByteBuffer sh, int i, int type, long flags, long addr, long off, long size, int link) {
        int b = i * 64;
        sh.putInt(b + 4, type).putLong(b + 8, flags).putLong(b + 16, addr);
        sh.putLong(b + 24, off).putLong(b + 32, size).putInt(b + 40, link);
    }

    private static List<Sym> kernelSymbols() {
        List<Sym> s = new ArrayList<>();
        s.add(new Sym("memset", TEXT + 0x100, 2, 1));
        s.add(new Sym("start_kernel", TEXT, 2, 1));
        s.add(new Sym("entry_SYSCALL_64", TEXT + 0x800, 0, 1)); // assembly: no type, in .text
        s.add(new Sym("jiffies", DATA, 1, 2)); // an object: never a function
        s.add(new Sym("data_label", DATA + 8, 0, 2)); // untyped but not in executable code
        s.add(new Sym("undefined", TEXT + 0x900, 2, 0)); // SHN_UNDEF
        return s;
    }

    @Test
    void namesTheFunctionAnAddressLiesIn() throws Exception {
        KernelSymbols k = KernelSymbols.read(elf(kernelSymbols(), sh -> {})).orElseThrow();
        assertEquals(3, k.size());
        assertEquals(Optional.of("start_kernel"), k.functionAt(TEXT));
        assertEquals(Optional.of("start_kernel"), k.functionAt(TEXT + 0xff));
        assertEquals(Optional.of("memset"), k.functionAt(TEXT + 0x100));
        assertEquals(Optional.of("entry_SYSCALL_64"), k.functionAt(TEXT + 0x9ff));
        assertEquals(Optional.empty(), k.functionAt(TEXT - 1), "below the first function");
        assertEquals(Optional.empty(), k.functionAt(TEXT + TEXT_SIZE), "past the executable sections");
        assertEquals(Optional.empty(), k.functionAt(DATA + 8), "data is no function");
        assertEquals(Optional.empty(), k.functionAt(0x100000), "a low (user or physical) address");
    }

    @Test
    void aStrippedKernelHasNoSymbols() throws Exception {
        // No .symtab: section 3 becomes a PROGBITS section.
        assertEquals(Optional.empty(), KernelSymbols.read(elf(kernelSymbols(), sh -> sh.putInt(3 * 64 + 4, 1))));
        // No section header table at all.
        Path p = elf(kernelSymbols(), sh -> {});
        byte[] b = Files.readAllBytes(p);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(40, 0);
        Files.write(p, b);
        assertEquals(Optional.empty(), KernelSymbols.read(p));
    }

    @Test
    void aBzImageIsNotAnElf() throws Exception {
        Path p = dir.resolve("bzImage");
        Files.write(p, new byte[4096]);
        LoaderException e = assertThrows(LoaderException.class, () -> KernelSymbols.read(p));
        assertEquals(LoaderException.Reason.BAD_MAGIC, e.reason());
    }

    @Test
    void tablesPastTheFileEndAreRefused() throws Exception {
        Path p = elf(kernelSymbols(), sh -> sh.putLong(3 * 64 + 32, 1L << 20)); // .symtab size 1 MiB
        LoaderException e = assertThrows(LoaderException.class, () -> KernelSymbols.read(p));
        assertEquals(LoaderException.Reason.TRUNCATED, e.reason());
        assertTrue(e.getMessage().contains("symbol table"), e.getMessage());

        Path q = elf(kernelSymbols(), sh -> sh.putLong(4 * 64 + 24, -64)); // .strtab offset wraps around
        assertEquals(
                LoaderException.Reason.TRUNCATED,
                assertThrows(LoaderException.class, () -> KernelSymbols.read(q)).reason());

        Path r = elf(kernelSymbols(), sh -> sh.putLong(3 * 64 + 32, 1L << 40)); // absurdly large
        assertEquals(
                LoaderException.Reason.TOO_LARGE,
                assertThrows(LoaderException.class, () -> KernelSymbols.read(r)).reason());
    }

    @Test
    void aLinkToNoSectionIsRefused() throws Exception {
        Path p = elf(kernelSymbols(), sh -> sh.putInt(3 * 64 + 40, 9));
        LoaderException e = assertThrows(LoaderException.class, () -> KernelSymbols.read(p));
        assertEquals(LoaderException.Reason.BAD_SECTION_HEADER, e.reason());
    }

    @Test
    void aSectionHeaderOfAnotherSizeIsRefused() throws Exception {
        Path p = elf(kernelSymbols(), sh -> {});
        byte[] b = Files.readAllBytes(p);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putShort(58, (short) 40);
        Files.write(p, b);
        LoaderException e = assertThrows(LoaderException.class, () -> KernelSymbols.read(p));
        assertEquals(LoaderException.Reason.BAD_SECTION_HEADER, e.reason());
    }

    @Test
    void namesOutsideTheStringTableAreSkipped() throws Exception {
        List<Sym> syms = new ArrayList<>(kernelSymbols());
        Path p = elf(syms, sh -> sh.putLong(4 * 64 + 32, 8)); // .strtab cut to 8 bytes: "memset" fits
        KernelSymbols k = KernelSymbols.read(p).orElseThrow();
        assertEquals(Optional.of("memset"), k.functionAt(TEXT + 0x100));
        assertEquals(Optional.of("memset"), k.functionAt(TEXT + 0x900), "the others have no name left");
        // Cut inside "memset": a name the table does not end with a NUL is no name.
        assertEquals(Optional.empty(), KernelSymbols.read(elf(syms, sh -> sh.putLong(4 * 64 + 32, 7))));
    }
}
