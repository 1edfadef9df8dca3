package io.jvmm.loader;

/**
 * One BIOS E820 memory-map entry ({@code struct boot_e820_entry}; also the PVH
 * {@code hvm_memmap_table_entry}, whose type values are the same).
 *
 * @param addr first byte
 * @param size length in bytes, positive
 * @param type {@link #RAM}, {@link #RESERVED}, ...
 */
public record E820Entry(long addr, long size, int type) {
    /** E820_TYPE_RAM: usable memory. */
    public static final int RAM = 1;
    /** E820_TYPE_RESERVED: not for the OS (BIOS area, EBDA, MMIO). */
    public static final int RESERVED = 2;

    public E820Entry {
        if (size <= 0)
            throw new IllegalArgumentException(
                    String.format("E820 entry at 0x%x: size %d is not positive", addr, size));
        if (addr < 0 || addr + size < 0)
            throw new IllegalArgumentException(String.format("E820 entry [0x%x, +0x%x) runs past 2^63", addr, size));
    }

    /** End address, exclusive. */
    public long end() {
        return addr + size;
    }
}
