package io.jvmm.loader;

import static io.jvmm.loader.LoaderException.Reason.*;
import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import io.jvmm.memory.GuestMemory;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.util.List;

/**
 * Writes Xen's {@code struct hvm_start_info} (version 1) with its module list and memory map, the
 * boot information a PVH kernel finds through {@code %ebx} (xen/include/public/arch-x86/hvm/start_info.h,
 * docs/misc/pvh.pandoc). Member names in the layouts are Xen's.
 */
public final class PvhStartInfo {
    /** {@code XEN_HVM_START_MAGIC_VALUE}: "xEn3" with the 0x80 bit of the "E" set. */
    public static final int XEN_HVM_START_MAGIC_VALUE = 0x336ec578;
    /** Version 1 adds the memory map. */
    public static final int VERSION = 1;

    /** {@code struct hvm_start_info}: 56 bytes. */
    public static final StructLayout HVM_START_INFO = MemoryLayout.structLayout(
                    JAVA_INT.withName("magic"),
                    JAVA_INT.withName("version"),
                    JAVA_INT.withName("flags"),
                    JAVA_INT.withName("nr_modules"),
                    JAVA_LONG.withName("modlist_paddr"),
                    JAVA_LONG.withName("cmdline_paddr"),
                    JAVA_LONG.withName("rsdp_paddr"),
                    JAVA_LONG.withName("memmap_paddr"),
                    JAVA_INT.withName("memmap_entries"),
                    JAVA_INT.withName("reserved"))
            .withName("hvm_start_info");

    /** {@code struct hvm_modlist_entry}: 32 bytes. */
    public static final StructLayout HVM_MODLIST_ENTRY = MemoryLayout.structLayout(
                    JAVA_LONG.withName("paddr"),
                    JAVA_LONG.withName("size"),
                    JAVA_LONG.withName("cmdline_paddr"),
                    JAVA_LONG.withName("reserved"))
            .withName("hvm_modlist_entry");

    /** {@code struct hvm_memmap_table_entry}: 24 bytes. */
    public static final StructLayout HVM_MEMMAP_TABLE_ENTRY = MemoryLayout.structLayout(
                    JAVA_LONG.withName("addr"),
                    JAVA_LONG.withName("size"),
                    JAVA_INT.withName("type"),
                    JAVA_INT.withName("reserved"))
            .withName("hvm_memmap_table_entry");

    /** Where the module list goes, relative to the start info (Firecracker: 0x6000 / 0x6040). */
    public static final long MODLIST_OFFSET = 0x40;

    /**
     * A module handed to the kernel; Linux takes module 0 as its initrd.
     *
     * @param cmdlinePaddr the module's NUL-terminated command line, or 0
     */
    public record Module(long paddr, long size, long cmdlinePaddr) {
        public Module {
            if (size <= 0)
                throw new IllegalArgumentException(
                        "PVH module at 0x" + Long.toHexString(paddr) + ": size " + size + " is not positive");
        }
    }

    private static final long MAGIC = off(HVM_START_INFO, "magic"),
            VERSION_OFF = off(HVM_START_INFO, "version"),
            NR_MODULES = off(HVM_START_INFO, "nr_modules"),
            MODLIST_PADDR = off(HVM_START_INFO, "modlist_paddr"),
            CMDLINE_PADDR = off(HVM_START_INFO, "cmdline_paddr"),
            RSDP_PADDR = off(HVM_START_INFO, "rsdp_paddr"),
            MEMMAP_PADDR = off(HVM_START_INFO, "memmap_paddr"),
            MEMMAP_ENTRIES = off(HVM_START_INFO, "memmap_entries");
    private static final long MOD_PADDR = off(HVM_MODLIST_ENTRY, "paddr"),
            MOD_SIZE = off(HVM_MODLIST_ENTRY, "size"),
            MOD_CMDLINE = off(HVM_MODLIST_ENTRY, "cmdline_paddr");
    private static final long MM_ADDR = off(HVM_MEMMAP_TABLE_ENTRY, "addr"),
            MM_SIZE = off(HVM_MEMMAP_TABLE_ENTRY, "size"),
            MM_TYPE = off(HVM_MEMMAP_TABLE_ENTRY, "type");

    private PvhStartInfo() {}

    /**
     * Writes start info at {@code startInfoAddr}, the module list at {@code startInfoAddr + 0x40} (only
     * when there are modules), and the memory map at {@code memmapAddr}. All three ranges must be in
     * RAM and must not overlap; nothing is written otherwise.
     *
     * @param cmdlineAddr NUL-terminated command line, or 0 for none
     * @param rsdpAddr    ACPI RSDP, or 0 (the kernel then scans the BIOS area)
     */
    public static void write(
            GuestMemory mem,
            long startInfoAddr,
            long cmdlineAddr,
            long rsdpAddr,
            List<Module> modules,
            long memmapAddr,
            List<E820Entry> map) {
        long infoLen = HVM_START_INFO.byteSize();
        long modlistAddr = startInfoAddr + MODLIST_OFFSET;
        long modLen = modules.size() * HVM_MODLIST_ENTRY.byteSize();
        long mapLen = map.size() * HVM_MEMMAP_TABLE_ENTRY.byteSize();
        check(mem, "hvm_start_info", startInfoAddr, infoLen);
        if (!modules.isEmpty()) check(mem, "hvm_start_info module list", modlistAddr, modLen);
        if (!map.isEmpty()) check(mem, "hvm_start_info memory map", memmapAddr, mapLen);
        long infoEnd = Math.max(startInfoAddr + infoLen, modules.isEmpty() ? 0 : modlistAddr + modLen);
        if (!map.isEmpty() && memmapAddr < infoEnd && startInfoAddr < memmapAddr + mapLen) {
            throw new LoaderException(
                    OUTSIDE_RAM,
                    String.format(
                            "hvm_start_info: memory map [0x%x, +0x%x) overlaps start info/module list [0x%x, 0x%x)",
                            memmapAddr, mapLen, startInfoAddr, infoEnd));
        }

        mem.fill(startInfoAddr, infoLen, (byte) 0);
        mem.writeInt(startInfoAddr + MAGIC, XEN_HVM_START_MAGIC_VALUE);
        mem.writeInt(startInfoAddr + VERSION_OFF, VERSION);
        mem.writeInt(startInfoAddr + NR_MODULES, modules.size());
        mem.writeLong(startInfoAddr + MODLIST_PADDR, modules.isEmpty() ? 0 : modlistAddr);
        mem.writeLong(startInfoAddr + CMDLINE_PADDR, cmdlineAddr);
        mem.writeLong(startInfoAddr + RSDP_PADDR, rsdpAddr);
        mem.writeLong(startInfoAddr + MEMMAP_PADDR, map.isEmpty() ? 0 : memmapAddr);
        mem.writeInt(startInfoAddr + MEMMAP_ENTRIES, map.size());
        if (!modules.isEmpty()) mem.fill(modlistAddr, modLen, (byte) 0);
        for (int i = 0; i < modules.size(); i++) {
            Module m = modules.get(i);
            long at = modlistAddr + i * HVM_MODLIST_ENTRY.byteSize();
            mem.writeLong(at + MOD_PADDR, m.paddr());
            mem.writeLong(at + MOD_SIZE, m.size());
            mem.writeLong(at + MOD_CMDLINE, m.cmdlinePaddr());
        }
        if (!map.isEmpty()) mem.fill(memmapAddr, mapLen, (byte) 0);
        for (int i = 0; i < map.size(); i++) {
            E820Entry e = map.get(i);
            long at = memmapAddr + i * HVM_MEMMAP_TABLE_ENTRY.byteSize();
            mem.writeLong(at + MM_ADDR, e.addr());
            mem.writeLong(at + MM_SIZE, e.size());
            mem.writeInt(at + MM_TYPE, e.type());
        }
    }

    private static void check(GuestMemory mem, String what, long addr, long len) {
        if (!mem.contains(addr, len)) {
            throw new LoaderException(
                    OUTSIDE_RAM, String.format("%s [0x%x, +0x%x) is not inside guest RAM", what, addr, len));
        }
    }

    private static long off(StructLayout l, String name) {
        return l.byteOffset(groupElement(name));
    }
}
