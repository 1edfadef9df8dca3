package io.jvmm.loader;

import static io.jvmm.loader.LoaderException.Reason.*;

import io.jvmm.memory.GuestMemory;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads an ELF64 x86-64 executable (a Linux {@code vmlinux} or a probe guest) at its physical
 * addresses.
 *
 * <p>Every PT_LOAD is checked against the file and against guest RAM before the first byte is
 * written, so a rejected kernel leaves guest memory untouched. With a Xen
 * {@code XEN_ELFNOTE_PHYS32_ENTRY} note the kernel boots via PVH at that address; otherwise it boots
 * via the Linux 64-bit protocol at {@code e_entry} made physical (see {@link #load(GuestMemory, FileChannel)}).
 */
public final class ElfLoader {
    private ElfLoader() {}

    /** Opens {@code kernel} and loads it; see {@link #load(GuestMemory, FileChannel)}. */
    public static LoadedKernel load(GuestMemory mem, Path kernel) {
        return ChannelReads.withChannel(kernel, ch -> load(mem, ch));
    }

    /**
     * Loads the ELF read from {@code kernel} (positional reads; the channel position is unchanged).
     *
     * <p>The LINUX_64 entry: Linux links vmlinux with {@code ENTRY(phys_startup_64)}, so its
     * {@code e_entry} is already physical and lies inside a segment's [p_paddr, p_paddr + p_memsz).
     * An {@code e_entry} that is not is taken as virtual and mapped through the PT_LOAD whose
     * [p_vaddr, p_vaddr + p_memsz) contains it. Neither gives NO_ENTRY.
     */
    public static LoadedKernel load(GuestMemory mem, FileChannel kernel) {
        ElfFile elf = ElfFile.parse(kernel);
        checkAgainstRam(mem, elf.loads);
        long entry;
        BootMode mode;
        if (elf.pvhEntry.isPresent()) {
            mode = BootMode.PVH;
            entry = elf.pvhEntry.getAsLong();
            if (!insidePhysical(elf.loads, entry)) {
                throw new LoaderException(
                        NO_ENTRY,
                        String.format("Xen PHYS32_ENTRY note: entry 0x%x is not inside any PT_LOAD segment", entry));
            }
        } else {
            mode = BootMode.LINUX_64;
            entry = physicalEntry(elf);
        }
        long lowest = Long.MAX_VALUE, highest = 0;
        for (ElfFile.Segment s : elf.loads) {
            ChannelReads.copyToGuest(kernel, s.offset(), mem, s.paddr(), s.filesz(), "PT_LOAD segment " + s.index());
            mem.fill(s.paddr() + s.filesz(), s.memsz() - s.filesz(), (byte) 0);
            lowest = Math.min(lowest, s.paddr());
            highest = Math.max(highest, s.paddrEnd());
        }
        return new LoadedKernel(mode, entry, lowest, highest, null);
    }

    private static void checkAgainstRam(GuestMemory mem, List<ElfFile.Segment> loads) {
        for (ElfFile.Segment s : loads) {
            if (!mem.contains(s.paddr(), s.memsz())) {
                throw new LoaderException(
                        SEGMENT_OUTSIDE_RAM,
                        String.format(
                                "program header %d (PT_LOAD): [p_paddr 0x%x, +p_memsz 0x%x) is not inside guest RAM",
                                s.index(), s.paddr(), s.memsz()));
            }
        }
        // contains() held, so paddr + memsz does not overflow and sorting by paddr is meaningful.
        List<ElfFile.Segment> sorted = new ArrayList<>(loads);
        // Not Comparator.comparingLong: the JDK's lambda inside it is not kept by the launcher's AOT
        // cache (this one is), and linking it cost ~2 ms on every boot (profiled).
        sorted.sort((a, b) -> Long.compare(a.paddr(), b.paddr()));
        for (int i = 1; i < sorted.size(); i++) {
            ElfFile.Segment a = sorted.get(i - 1), b = sorted.get(i);
            if (b.paddr() < a.paddrEnd()) {
                throw new LoaderException(
                        SEGMENT_OVERLAP,
                        String.format(
                                "program headers %d and %d (PT_LOAD): physical ranges [0x%x, 0x%x) and [0x%x, 0x%x) overlap",
                                a.index(), b.index(), a.paddr(), a.paddrEnd(), b.paddr(), b.paddrEnd()));
            }
        }
    }

    private static long physicalEntry(ElfFile elf) {
        if (insidePhysical(elf.loads, elf.entry)) return elf.entry;
        for (ElfFile.Segment s : elf.loads) {
            long delta = elf.entry - s.vaddr();
            if (Long.compareUnsigned(elf.entry, s.vaddr()) >= 0 && Long.compareUnsigned(delta, s.memsz()) < 0) {
                return s.paddr() + delta;
            }
        }
        throw new LoaderException(
                NO_ENTRY,
                String.format(
                        "ELF header: e_entry 0x%x is inside no PT_LOAD segment (neither physical nor virtual range)",
                        elf.entry));
    }

    private static boolean insidePhysical(List<ElfFile.Segment> loads, long addr) {
        for (ElfFile.Segment s : loads) {
            if (addr >= s.paddr() && addr < s.paddrEnd()) return true;
        }
        return false;
    }
}
