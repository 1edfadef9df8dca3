package io.jvmm.loader;

import static io.jvmm.loader.LoaderException.Reason.BAD_MEMORY_LAYOUT;

import io.jvmm.memory.GuestMemory;
import io.jvmm.memory.MemoryRegion;
import java.util.ArrayList;
import java.util.List;

/**
 * The E820 map a PC BIOS would report for jvmm's RAM regions (Firecracker's
 * {@code configure_64bit_boot} layout): RAM below the EBDA, the legacy area reserved, then RAM.
 */
public final class E820Map {
    /** Start of the EBDA (MP table lives here); RAM below it is conventional memory. */
    public static final long EBDA_START = 0x9fc00;
    /** 1 MiB: end of the legacy BIOS/VGA/option-ROM area. */
    public static final long HIGH_MEMORY_START = 0x100000;

    private E820Map() {}

    public static List<E820Entry> build(GuestMemory mem) {
        return build(mem.regions());
    }

    /**
     * RAM [0, 0x9fc00), RESERVED [0x9fc00, 0x100000), RAM [0x100000, end of the first region), then
     * one RAM entry per further region (e.g. above the 32-bit MMIO hole).
     *
     * @param regions sorted, non-overlapping; the first must start at 0 and extend past 1 MiB
     */
    public static List<E820Entry> build(List<MemoryRegion> regions) {
        if (regions.isEmpty()) throw new LoaderException(BAD_MEMORY_LAYOUT, "E820: no guest RAM regions");
        MemoryRegion low = regions.get(0);
        if (low.guestAddress() != 0) {
            throw new LoaderException(
                    BAD_MEMORY_LAYOUT,
                    String.format(
                            "E820: the first RAM region starts at 0x%x, an x86 guest needs RAM at 0",
                            low.guestAddress()));
        }
        if (low.end() <= HIGH_MEMORY_START) {
            throw new LoaderException(
                    BAD_MEMORY_LAYOUT,
                    String.format(
                            "E820: the first RAM region ends at 0x%x, it must extend past 1 MiB (0x100000)",
                            low.end()));
        }
        List<E820Entry> map = new ArrayList<>();
        map.add(new E820Entry(0, EBDA_START, E820Entry.RAM));
        map.add(new E820Entry(EBDA_START, HIGH_MEMORY_START - EBDA_START, E820Entry.RESERVED));
        map.add(new E820Entry(HIGH_MEMORY_START, low.end() - HIGH_MEMORY_START, E820Entry.RAM));
        long prevEnd = low.end();
        for (MemoryRegion r : regions.subList(1, regions.size())) {
            if (r.guestAddress() < prevEnd) {
                throw new LoaderException(
                        BAD_MEMORY_LAYOUT,
                        String.format(
                                "E820: RAM region at 0x%x overlaps or precedes the one ending at 0x%x",
                                r.guestAddress(), prevEnd));
            }
            if (r.size() > 0) map.add(new E820Entry(r.guestAddress(), r.size(), E820Entry.RAM));
            prevEnd = r.end();
        }
        return List.copyOf(map);
    }
}
