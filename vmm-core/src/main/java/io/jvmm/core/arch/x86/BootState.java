package io.jvmm.core.arch.x86;

import io.jvmm.memory.GuestMemory;

/**
 * The boot vCPU's architectural state for an entry mode, computed from the boot protocols (Linux
 * boot.rst "64-bit Boot Protocol"; Xen pvh.pandoc). Pure data: {@code VcpuSetup} applies it.
 *
 * @param rip     entry point
 * @param rsp     stack (0 for PVH, which guarantees none)
 * @param rsi     zero page address for the Linux 64-bit entry
 * @param rbx     hvm_start_info address for PVH
 * @param code    CS
 * @param data    DS, ES, FS, GS, SS
 * @param tss     TR
 * @param cr0     control registers and EFER as the entry requires
 */
public record BootState(
        long rip,
        long rsp,
        long rsi,
        long rbx,
        Gdt.Segment code,
        Gdt.Segment data,
        Gdt.Segment tss,
        long cr0,
        long cr3,
        long cr4,
        long efer) {
    public static final long RFLAGS = 0x2; // reserved bit 1; interrupts off
    static final long CR0_PE = 1, CR0_ET = 1 << 4, CR0_PG = 1L << 31;
    static final long CR4_PAE = 1 << 5;
    static final long EFER_LME = 1 << 8, EFER_LMA = 1 << 10;

    /** Long mode with paging on an identity map, %rsi = zero page: writes the GDT and page tables. */
    public static BootState linux64(GuestMemory mem, long entry) {
        Gdt.Segment[] s = Gdt.write(mem, true);
        long cr3 = PageTables.writeIdentity1G(mem);
        return new BootState(
                entry,
                Layout.BOOT_STACK,
                Layout.ZERO_PAGE,
                0,
                s[0],
                s[1],
                s[2],
                CR0_PE | CR0_ET | CR0_PG,
                cr3,
                CR4_PAE,
                EFER_LME | EFER_LMA);
    }

    /** 32-bit flat protected mode, paging off, %ebx = hvm_start_info: writes the GDT. */
    public static BootState pvh(GuestMemory mem, long entry) {
        Gdt.Segment[] s = Gdt.write(mem, false);
        return new BootState(entry, 0, 0, Layout.PVH_START_INFO, s[0], s[1], s[2], CR0_PE | CR0_ET, 0, 0, 0);
    }
}
