package io.jvmm.loader;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/** Builds small ELF64 files for tests; every header field can be overridden to make bad ones. */
final class ElfBuilder {
    static final class Phdr {
        int type;
        long offset, vaddr, paddr, filesz, memsz, align = 4;
        byte[] data; // placed in the file by build(), which sets offset
        Long fixedOffset; // written as p_offset instead of the real one (for bad files)

        Phdr(int type) {
            this.type = type;
        }
    }

    int elfClass = 2, elfData = 1, type = ElfFile.ET_EXEC, machine = ElfFile.EM_X86_64, phentsize = 56;
    Integer phnumOverride;
    Long phoffOverride;
    long entry;
    final List<Phdr> phdrs = new ArrayList<>();

    /** Adds a PT_LOAD with file bytes {@code data} loaded at paddr, memsz bytes in memory. */
    Phdr load(long vaddr, long paddr, byte[] data, long memsz) {
        Phdr p = new Phdr(ElfFile.PT_LOAD);
        p.vaddr = vaddr;
        p.paddr = paddr;
        p.data = data;
        p.filesz = data.length;
        p.memsz = memsz;
        p.offset = -1;
        phdrs.add(p);
        return p;
    }

    Phdr note(byte[] notes) {
        Phdr p = new Phdr(ElfFile.PT_NOTE);
        p.data = notes;
        p.filesz = notes.length;
        p.offset = -1;
        phdrs.add(p);
        return p;
    }

    /** One note: namesz, descsz, type, name (padded to 4), desc (padded to 4). */
    static byte[] noteBytes(String name, int type, byte[] desc) {
        byte[] n = (name + "\0").getBytes();
        ByteBuffer b =
                ByteBuffer.allocate(12 + pad4(n.length) + pad4(desc.length)).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(n.length).putInt(desc.length).putInt(type);
        b.put(n).position(12 + pad4(n.length));
        b.put(desc);
        return b.array();
    }

    static byte[] pvhNote(long entry) {
        return noteBytes(
                "Xen",
                ElfFile.XEN_ELFNOTE_PHYS32_ENTRY,
                ByteBuffer.allocate(8)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(entry)
                        .array());
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        for (byte[] p : parts) o.writeBytes(p);
        return o.toByteArray();
    }

    byte[] build() {
        long phoff = 64;
        long dataStart = phoff + (long) phdrs.size() * 56;
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (Phdr p : phdrs) {
            if (p.data != null && p.offset < 0) {
                while ((dataStart + body.size()) % 16 != 0) body.write(0);
                p.offset = dataStart + body.size();
                body.writeBytes(p.data);
            }
        }
        ByteBuffer b = ByteBuffer.allocate((int) dataStart + body.size()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', (byte) elfClass, (byte) elfData, 1, 0});
        b.position(16);
        b.putShort((short) type)
                .putShort((short) machine)
                .putInt(1)
                .putLong(entry)
                .putLong(phoffOverride != null ? phoffOverride : phoff)
                .putLong(0)
                .putInt(0)
                .putShort((short) 64)
                .putShort((short) phentsize)
                .putShort((short) (phnumOverride != null ? phnumOverride : phdrs.size()))
                .putShort((short) 0)
                .putShort((short) 0)
                .putShort((short) 0);
        b.position((int) phoff);
        for (Phdr p : phdrs) {
            b.putInt(p.type)
                    .putInt(5)
                    .putLong(p.fixedOffset != null ? p.fixedOffset : p.offset)
                    .putLong(p.vaddr)
                    .putLong(p.paddr)
                    .putLong(p.filesz)
                    .putLong(p.memsz)
                    .putLong(p.align);
        }
        b.position((int) dataStart);
        b.put(body.toByteArray());
        return b.array();
    }

    private static int pad4(int n) {
        return (n + 3) & ~3;
    }
}
