package io.jvmm.core.arch.x86;

import io.jvmm.memory.GuestMemory;

/**
 * Identity page tables for Linux's 64-bit entry: the boot protocol needs the kernel, zero page and
 * command line identity-mapped; 1 GiB in 2 MiB pages covers all of them (the kernel builds its own
 * tables at once).
 */
public final class PageTables {
    private PageTables() {}

    private static final long PRESENT_RW = 0x3;
    private static final long LARGE_PAGE = 0x80;

    /** Writes PML4 -> PDPT -> PD at the {@link Layout} addresses; returns the value for CR3. */
    public static long writeIdentity1G(GuestMemory mem) {
        mem.fill(Layout.PML4, 3 * 4096, (byte) 0);
        mem.writeLong(Layout.PML4, Layout.PDPT | PRESENT_RW);
        mem.writeLong(Layout.PDPT, Layout.PD | PRESENT_RW);
        for (long i = 0; i < 512; i++) {
            mem.writeLong(Layout.PD + i * 8, (i << 21) | PRESENT_RW | LARGE_PAGE);
        }
        return Layout.PML4;
    }
}
