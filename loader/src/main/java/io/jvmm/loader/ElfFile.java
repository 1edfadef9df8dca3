package io.jvmm.loader;

import static io.jvmm.loader.LoaderException.Reason.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The parts of an ELF64 x86-64 executable the loader needs, parsed and checked against the file
 * itself (not yet against guest RAM): PT_LOAD segments and the Xen PVH entry note.
 * Follows the System V gABI and the x86-64 psABI; field names are Elf64_Ehdr/Elf64_Phdr's.
 */
final class ElfFile {
    static final int EM_X86_64 = 62;
    static final int ET_EXEC = 2;
    static final int PT_LOAD = 1;
    static final int PT_NOTE = 4;
    /** XEN_ELFNOTE_PHYS32_ENTRY, xen/include/public/elfnote.h. */
    static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    static final int EHDR_SIZE = 64;
    static final int PHDR_SIZE = 56;
    // A kernel has a handful of program headers; thousands means a corrupt or hostile file.
    private static final int MAX_PHNUM = 1024;
    // Linux's notes segment is a few hundred bytes.
    private static final long MAX_NOTE_SEGMENT = 1 << 20;

    /** One PT_LOAD: file bytes [offset, offset + filesz) go to paddr, then zeroes up to memsz. */
    record Segment(int index, long offset, long vaddr, long paddr, long filesz, long memsz) {
        long paddrEnd() {
            return paddr + memsz;
        }
    }

    final long entry;
    final List<Segment> loads;
    final OptionalLong pvhEntry;

    private ElfFile(long entry, List<Segment> loads, OptionalLong pvhEntry) {
        this.entry = entry;
        this.loads = loads;
        this.pvhEntry = pvhEntry;
    }

    static ElfFile parse(FileChannel ch) {
        long fileSize = ChannelReads.size(ch, "ELF file");
        byte[] ident = ChannelReads.readAtMost(ch, 0, EHDR_SIZE, "ELF header");
        if (ident.length < 4 || ident[0] != 0x7f || ident[1] != 'E' || ident[2] != 'L' || ident[3] != 'F') {
            throw new LoaderException(BAD_MAGIC, "ELF header: e_ident does not start with \\x7fELF");
        }
        if (ident.length < EHDR_SIZE) {
            throw new LoaderException(
                    TRUNCATED, "ELF header truncated: file has " + fileSize + " bytes, need " + EHDR_SIZE);
        }
        if (ident[4] != 2)
            throw new LoaderException(
                    UNSUPPORTED_CLASS, "ELF header: EI_CLASS is " + ident[4] + ", only ELFCLASS64 (2) is supported");
        if (ident[5] != 1)
            throw new LoaderException(
                    UNSUPPORTED_ENDIANNESS,
                    "ELF header: EI_DATA is " + ident[5] + ", only little endian (1) is supported");
        ByteBuffer eh = le(ident);
        int type = eh.getShort(16) & 0xffff;
        int machine = eh.getShort(18) & 0xffff;
        if (machine != EM_X86_64)
            throw new LoaderException(
                    UNSUPPORTED_MACHINE, "ELF header: e_machine is " + machine + ", expected EM_X86_64 (62)");
        if (type != ET_EXEC)
            throw new LoaderException(UNSUPPORTED_TYPE, "ELF header: e_type is " + type + ", expected ET_EXEC (2)");
        long entry = eh.getLong(24);
        long phoff = eh.getLong(32);
        int phentsize = eh.getShort(54) & 0xffff;
        int phnum = eh.getShort(56) & 0xffff;
        if (phnum == 0)
            throw new LoaderException(NO_LOAD_SEGMENTS, "ELF header: e_phnum is 0, no program headers to load");
        if (phentsize != PHDR_SIZE)
            throw new LoaderException(
                    BAD_PROGRAM_HEADER, "ELF header: e_phentsize is " + phentsize + ", expected " + PHDR_SIZE);
        if (phnum > MAX_PHNUM)
            throw new LoaderException(
                    BAD_PROGRAM_HEADER,
                    "ELF header: e_phnum " + phnum + " exceeds " + MAX_PHNUM
                            + " (PN_XNUM extended numbering is not supported)");
        long phSize = (long) phnum * PHDR_SIZE;
        if (!within(phoff, phSize, fileSize)) {
            throw new LoaderException(
                    TRUNCATED,
                    String.format(
                            "program header table [e_phoff 0x%x, +0x%x) runs past the end of the file (%d bytes)",
                            phoff, phSize, fileSize));
        }
        ByteBuffer ph = le(ChannelReads.readExactly(ch, phoff, (int) phSize, "program header table"));

        List<Segment> loads = new ArrayList<>();
        OptionalLong pvh = OptionalLong.empty();
        for (int i = 0; i < phnum; i++) {
            int base = i * PHDR_SIZE;
            int ptype = ph.getInt(base);
            long offset = ph.getLong(base + 8), vaddr = ph.getLong(base + 16), paddr = ph.getLong(base + 24);
            long filesz = ph.getLong(base + 32), memsz = ph.getLong(base + 40), align = ph.getLong(base + 48);
            if (ptype != PT_LOAD && ptype != PT_NOTE) continue;
            String name = "program header " + i + (ptype == PT_LOAD ? " (PT_LOAD)" : " (PT_NOTE)");
            if (ptype == PT_LOAD && Long.compareUnsigned(filesz, memsz) > 0) {
                throw new LoaderException(
                        BAD_PROGRAM_HEADER,
                        String.format("%s: p_filesz 0x%x is larger than p_memsz 0x%x", name, filesz, memsz));
            }
            if (!within(offset, filesz, fileSize)) {
                throw new LoaderException(
                        TRUNCATED,
                        String.format(
                                "%s: p_offset 0x%x + p_filesz 0x%x runs past the end of the file (%d bytes)",
                                name, offset, filesz, fileSize));
            }
            if (ptype == PT_LOAD) {
                if (memsz != 0) loads.add(new Segment(i, offset, vaddr, paddr, filesz, memsz));
            } else {
                if (Long.compareUnsigned(filesz, MAX_NOTE_SEGMENT) > 0) {
                    throw new LoaderException(
                            TOO_LARGE,
                            String.format("%s: p_filesz 0x%x is too large for a note segment", name, filesz));
                }
                byte[] notes = ChannelReads.readExactly(ch, offset, (int) filesz, name);
                OptionalLong found = findPvhEntry(notes, align == 8 ? 8 : 4, name);
                if (found.isPresent()) pvh = found;
            }
        }
        if (loads.isEmpty()) throw new LoaderException(NO_LOAD_SEGMENTS, "ELF file has no non-empty PT_LOAD segment");
        return new ElfFile(entry, List.copyOf(loads), pvh);
    }

    /**
     * Walks the notes of one PT_NOTE segment: Elf64_Nhdr {namesz, descsz, type}, then name and desc
     * each padded to the segment's alignment (4, or 8 for 8-aligned note segments).
     */
    static OptionalLong findPvhEntry(byte[] notes, int align, String where) {
        ByteBuffer b = le(notes);
        long pos = 0;
        OptionalLong found = OptionalLong.empty();
        while (pos < notes.length) {
            if (notes.length - pos < 12) {
                throw new LoaderException(
                        BAD_NOTE,
                        String.format("%s: note header at offset 0x%x is cut off by the segment end", where, pos));
            }
            long namesz = b.getInt((int) pos) & 0xffffffffL;
            long descsz = b.getInt((int) pos + 4) & 0xffffffffL;
            int type = b.getInt((int) pos + 8);
            long nameAt = pos + 12;
            long descAt = nameAt + alignUp(namesz, align);
            long next = descAt + alignUp(descsz, align);
            // Sizes are 32-bit, so these sums cannot overflow a long; the last note may skip tail padding.
            if (descAt + descsz > notes.length || descAt > notes.length) {
                throw new LoaderException(
                        BAD_NOTE,
                        String.format(
                                "%s: note at offset 0x%x has namesz %d / descsz %d running past the segment (%d bytes)",
                                where, pos, namesz, descsz, notes.length));
            }
            if (type == XEN_ELFNOTE_PHYS32_ENTRY
                    && namesz == 4
                    && notes[(int) nameAt] == 'X'
                    && notes[(int) nameAt + 1] == 'e'
                    && notes[(int) nameAt + 2] == 'n'
                    && notes[(int) nameAt + 3] == 0) {
                long value;
                if (descsz == 4) value = b.getInt((int) descAt) & 0xffffffffL;
                else if (descsz == 8) value = b.getLong((int) descAt);
                else
                    throw new LoaderException(
                            BAD_NOTE,
                            String.format("%s: Xen PHYS32_ENTRY note has descsz %d, expected 4 or 8", where, descsz));
                // Linux emits the address as a .quad (_ASM_PTR), but it is a 32-bit entry point.
                if (Long.compareUnsigned(value, 0xffffffffL) > 0) {
                    throw new LoaderException(
                            BAD_NOTE, String.format("%s: Xen PHYS32_ENTRY 0x%x is above 4 GiB", where, value));
                }
                found = OptionalLong.of(value);
            }
            pos = next;
        }
        return found;
    }

    /** True when [off, off + len) lies inside [0, size), all unsigned, without overflow. */
    static boolean within(long off, long len, long size) {
        return Long.compareUnsigned(off, size) <= 0 && Long.compareUnsigned(len, size - off) <= 0;
    }

    private static long alignUp(long v, long a) {
        return (v + a - 1) & -a;
    }

    static ByteBuffer le(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
