package io.jvmm.core;

import java.util.List;

/**
 * jvmm's own part of the kernel command line: what the machine jvmm emulates needs the kernel to know.
 * The user's {@link VmConfig#cmdline()} comes last, so it can override any of it.
 */
final class KernelCmdline {
    private KernelCmdline() {}

    /**
     * console: the 8250 at 0x3f8; reboot=k: reset through the i8042, which ends the VM; panic=1: a
     * panicking guest resets instead of hanging; 8250.nr_uarts=1: don't probe COM2-4, each probe
     * costs exits.
     */
    static final String BASE = "console=ttyS0 reboot=k panic=1 8250.nr_uarts=1";

    /** Enables the project kernel's opt-in fixups for the kvm_pvm software hypervisor (kernel/README.md). */
    static final String PVM_FIXUPS = "jvmm_pvm_fixups";

    /**
     * Boot work that is cheap on VMX/SVM but costs seconds in kvm_pvm's CPL0 emulator (found with
     * {@code jvmm boot --profile-guest}; docs/kvm-pvm.md). percpu_alloc=page: the per-CPU area is the
     * pages it uses, not a 2 MiB unit zeroed and scanned at boot. noreplace-smp: a one-vCPU guest keeps
     * the SMP lock prefixes instead of patching each one to UP, one text_poke and TLB flush apiece.
     */
    static final String PVM_BOOT = "percpu_alloc=page noreplace-smp";

    /**
     * The PVM template's features, hidden a second time from inside the guest: kvm_pvm accepts
     * KVM_SET_CPUID2 but the guest still sees XSAVE, POPCNT and the rest (measured; QEMU's -cpu
     * flags fail the same way), and its CPL0 emulator cannot run them. Linux honours these. ERMS and
     * FSRM it can run, but it steps {@code rep stosb}/{@code movsb} one byte at a time: without them
     * the kernel clears and copies pages with {@code rep stosq}/{@code movsq} (docs/kvm-pvm.md).
     */
    static final String PVM_CLEARCPUID = "noxsave clearcpuid=xsave,popcnt,cx16,smap,smep,fsgsbase,invpcid,pcid,"
            + "rdrand,rdseed,rdpid,umip,pku,erms,fsrm";

    /**
     * @param deviceTokens the {@code virtio_mmio.device=} declarations of the VM's devices
     */
    static String build(VmConfig config, boolean pvmHost, CpuTemplate template, List<String> deviceTokens) {
        StringBuilder b = new StringBuilder(BASE);
        if (pvmHost) b.append(' ').append(PVM_FIXUPS).append(' ').append(PVM_BOOT);
        if (template.resolve() == CpuTemplate.PVM) b.append(' ').append(PVM_CLEARCPUID);
        for (String t : deviceTokens) b.append(' ').append(t);
        // Without an initramfs the first drive is the root file system (the user's root= still wins).
        if (config.initrd() == null && !config.drives().isEmpty()) {
            b.append(" root=/dev/vda ").append(config.drives().get(0).readOnly() ? "ro" : "rw");
        }
        if (!config.cmdline().isEmpty()) b.append(' ').append(config.cmdline());
        return b.toString();
    }
}
