package io.jvmm.core.arch.x86;

/**
 * The guest-physical addresses jvmm puts things at (after Firecracker's arch/x86_64/layout.rs).
 * Everything below 1 MiB except the EBDA/BIOS range is RAM the boot structures borrow; the kernel
 * reclaims it once it runs.
 */
public final class Layout {
    private Layout() {}

    /** GDT for the boot vCPU state (5 entries). */
    public static final long BOOT_GDT = 0x500;
    /** An empty IDT: interrupts stay off until the guest loads its own. */
    public static final long BOOT_IDT = 0x520;
    /** PVH: struct hvm_start_info, then its module list. */
    public static final long PVH_START_INFO = 0x6000;

    public static final long PVH_MODLIST = 0x6040;
    /** PVH memory map; Linux 64-bit boot: the zero page (struct boot_params). Only one is used. */
    public static final long PVH_MEMMAP = 0x7000;

    public static final long ZERO_PAGE = 0x7000;
    /** Initial stack for the 64-bit entry (boot protocol: the kernel sets its own at once). */
    public static final long BOOT_STACK = 0x8ff0;
    /** Identity page tables for the 64-bit entry: PML4, PDPT, PD (1 GiB in 2 MiB pages). */
    public static final long PML4 = 0x9000;

    public static final long PDPT = 0xa000;
    public static final long PD = 0xb000;
    /** Kernel command line, NUL-terminated. */
    public static final long CMDLINE = 0x20000;

    public static final int CMDLINE_MAX = 2048;
    /** EBDA: the MP table lives here; E820 marks [EBDA_START, 1 MiB) reserved. */
    public static final long EBDA_START = 0x9fc00;

    public static final long HIGH_MEMORY = 0x100000;

    /** The 32-bit MMIO hole: RAM skips [MMIO_HOLE_START, 4 GiB). */
    public static final long MMIO_HOLE_START = 0xC000_0000L;

    public static final long FOUR_GIB = 0x1_0000_0000L;
    /** Where jvmm's MMIO devices are allocated from (virtio-mmio windows). */
    public static final long MMIO_DEVICES_START = 0xD000_0000L;

    /** KVM needs three pages for the TSS of real-mode emulation and one for the EPT identity map (VMX). */
    public static final long KVM_TSS = 0xfffb_d000L;

    public static final long KVM_IDENTITY_MAP = 0xfffb_c000L;

    public static final long IOAPIC = 0xfec0_0000L;
    public static final long LAPIC = 0xfee0_0000L;
}
