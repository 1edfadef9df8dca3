package io.jvmm.loader;

/** How the vCPU must enter the loaded kernel. */
public enum BootMode {
    /**
     * Xen PVH: 32-bit protected mode, paging off, {@code %ebx} = address of {@code hvm_start_info}
     * (Xen docs/misc/pvh.pandoc).
     */
    PVH,
    /**
     * Linux 64-bit boot protocol: long mode with an identity map, {@code %rsi} = address of
     * {@code struct boot_params} (Documentation/arch/x86/boot.rst, "64-bit Boot Protocol").
     */
    LINUX_64
}
