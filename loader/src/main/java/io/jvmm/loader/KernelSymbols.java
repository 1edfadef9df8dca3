package io.jvmm.loader;

import static io.jvmm.loader.LoaderException.Reason.*;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The code symbols of an ELF64 kernel (a vmlinux's {@code .symtab}), to name guest instruction
 * addresses: functions, and untyped symbols inside executable sections (assembly entry points).
 * The file is untrusted input: every offset and size is checked against the file before it is read.
 */
public final class KernelSymbols {
    private static final int SHDR_SIZE = 64;
    private static final int SYM_SIZE = 24;
    private static final int SHT_SYMTAB = 2;
    private static final long SHF_EXECINSTR = 0x4;
    private static final int STT_NOTYPE = 0;
    private static final int STT_FUNC = 2;
    private static final int SHN_LORESERVE = 0xff00;
    // A vmlinux's .symtab is a few MiB; anything near 2 GiB cannot be read into one array anyway.
    private static final long MAX_TABLE = 256L << 20;
    // Kernel symbol names are at most a few hundred bytes (KSYM_NAME_LEN is 512); scanning further for a
    // NUL would let a hostile table cost time quadratic in its size.
    private static final int MAX_NAME = 1024;

    /** Sorted by address; names[i] starts at addresses[i]. */
    private final long[] addresses;

    private final String[] names;
    /** The end of the highest executable section: addresses at or past it are in no function. */
    private final long textEnd;

    private KernelSymbols(long[] addresses, String[] names, long textEnd) {
        this.addresses = addresses;
        this.names = names;
        this.textEnd = textEnd;
    }

    /**
     * Reads the code symbols of {@code elf}; empty when it is an ELF without a symbol table (a
     * stripped vmlinux). A file that is not an ELF64 (a bzImage) or is malformed is a LoaderException.
     */
    public static Optional<KernelSymbols> read(Path elf) {
        return ChannelReads.withChannel(elf, KernelSymbols::read);
    }

    static Optional<KernelSymbols> read(FileChannel ch) {
        long fileSize = ChannelReads.size(ch, "ELF file");
        byte[] header = ChannelReads.readAtMost(ch, 0, ElfFile.EHDR_SIZE, "ELF header");
        if (header.length < ElfFile.EHDR_SIZE
                || header[0] != 0x7f
                || header[1] != 'E'
                || header[2] != 'L'
                || header[3] != 'F'
                || header[4] != 2
                || header[5] != 1) {
            throw new LoaderException(BAD_MAGIC, "not a little-endian ELF64 file: no symbols to read");
        }
        ByteBuffer eh = ElfFile.le(header);
        long shoff = eh.getLong(40);
        int shentsize = eh.getShort(58) & 0xffff;
        int shnum = eh.getShort(60) & 0xffff;
        if (shoff == 0 || shnum == 0) return Optional.empty();
        if (shentsize != SHDR_SIZE)
            throw new LoaderException(
                    BAD_SECTION_HEADER, "ELF header: e_shentsize is " + shentsize + ", expected " + SHDR_SIZE);
        long tableSize = (long) shnum * SHDR_SIZE;
        if (!ElfFile.within(shoff, tableSize, fileSize))
            throw new LoaderException(
                    TRUNCATED, String.format("section header table at 0x%x runs past the end of the file", shoff));
        ByteBuffer sh = ElfFile.le(ChannelReads.readExactly(ch, shoff, (int) tableSize, "section header table"));
        boolean[] executable = new boolean[shnum];
        int symtab = -1;
        long textEnd = 0;
        for (int i = 0; i < shnum; i++) {
            executable[i] = (sh.getLong(i * SHDR_SIZE + 8) & SHF_EXECINSTR) != 0;
            if (executable[i]) {
                long end = sh.getLong(i * SHDR_SIZE + 16) + sh.getLong(i * SHDR_SIZE + 32);
                if (Long.compareUnsigned(end, textEnd) > 0) textEnd = end;
            }
            if (sh.getInt(i * SHDR_SIZE + 4) == SHT_SYMTAB && symtab < 0) symtab = i;
        }
        if (symtab < 0) return Optional.empty();
        int base = symtab * SHDR_SIZE;
        long symOffset = sh.getLong(base + 24), symSize = sh.getLong(base + 32);
        int strIndex = sh.getInt(base + 40);
        if (strIndex < 0 || strIndex >= shnum)
            throw new LoaderException(BAD_SECTION_HEADER, "symbol table: sh_link " + strIndex + " names no section");
        long strOffset = sh.getLong(strIndex * SHDR_SIZE + 24), strSize = sh.getLong(strIndex * SHDR_SIZE + 32);
        byte[] syms = table(ch, symOffset, symSize, fileSize, "symbol table");
        byte[] strings = table(ch, strOffset, strSize, fileSize, "symbol string table");
        ByteBuffer s = ElfFile.le(syms);
        int count = syms.length / SYM_SIZE;
        long[] addrs = new long[count];
        String[] names = new String[count];
        int n = 0;
        for (int i = 0; i < count; i++) {
            int at = i * SYM_SIZE;
            int type = s.get(at + 4) & 0xf;
            int section = s.getShort(at + 6) & 0xffff;
            long value = s.getLong(at + 8);
            if (value == 0 || section == 0 || section >= SHN_LORESERVE || section >= shnum) continue;
            if (type != STT_FUNC && !(type == STT_NOTYPE && executable[section])) continue;
            String name = name(strings, s.getInt(at));
            if (name.isEmpty()) continue;
            addrs[n] = value;
            names[n++] = name;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        long[] a = addrs;
        Arrays.sort(order, (x, y) -> Long.compareUnsigned(a[x], a[y]));
        long[] sortedAddrs = new long[n];
        String[] sortedNames = new String[n];
        for (int i = 0; i < n; i++) {
            sortedAddrs[i] = addrs[order[i]];
            sortedNames[i] = names[order[i]];
        }
        return n == 0 ? Optional.empty() : Optional.of(new KernelSymbols(sortedAddrs, sortedNames, textEnd));
    }

    /** How many code symbols were read. */
    public int size() {
        return addresses.length;
    }

    /**
     * The symbol {@code address} lies in: the one with the greatest start at or below it. Empty below
     * the first symbol and at or past the end of the executable sections. Symbol sizes are not
     * trusted (assembly symbols have none).
     */
    public Optional<String> functionAt(long address) {
        if (Long.compareUnsigned(address, textEnd) >= 0) return Optional.empty();
        int lo = 0, hi = addresses.length - 1, found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(addresses[mid], address) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? Optional.empty() : Optional.of(names[found]);
    }

    private static byte[] table(FileChannel ch, long offset, long size, long fileSize, String what) {
        if (size > MAX_TABLE)
            throw new LoaderException(TOO_LARGE, what + ": " + size + " bytes is more than a kernel's");
        if (!ElfFile.within(offset, size, fileSize))
            throw new LoaderException(
                    TRUNCATED, String.format("%s at 0x%x (+0x%x) runs past the end of the file", what, offset, size));
        return ChannelReads.readExactly(ch, offset, (int) size, what);
    }

    /** The NUL-terminated name at {@code offset}; "" (skipped) when it is outside the table or too long. */
    private static String name(byte[] strings, int offset) {
        if (offset < 0 || offset >= strings.length) return "";
        int limit = Math.min(strings.length, offset + MAX_NAME), end = offset;
        while (end < limit && strings[end] != 0) end++;
        if (end == limit) return "";
        return new String(strings, offset, end - offset, StandardCharsets.UTF_8);
    }
}
