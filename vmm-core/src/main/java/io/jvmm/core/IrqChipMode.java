package io.jvmm.core;

import java.util.Locale;

/** Who models the VM's interrupt controllers (KVM's local APICs are always in the kernel). */
public enum IrqChipMode {
    /** {@link #SPLIT} where KVM offers KVM_CAP_SPLIT_IRQCHIP, else {@link #KERNEL}. */
    AUTO,
    /** KVM's in-kernel PIC, IOAPIC and PIT (KVM_CREATE_IRQCHIP, KVM_CREATE_PIT2); irqfd for virtio. */
    KERNEL,
    /**
     * KVM_CAP_SPLIT_IRQCHIP: jvmm's own IOAPIC sends interrupts as MSIs; no PIC and no PIT (Linux
     * on KVM needs neither: kvmclock and the local APIC timer). What QEMU's microvm and Cloud
     * Hypervisor do; on kvm_pvm it saves ~22 ms of kernel waiting when a VM is destroyed.
     */
    SPLIT;

    /** "auto" | "kernel" | "split", case-insensitive. */
    public static IrqChipMode parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("expected auto, kernel or split, got \"" + s + "\"");
        }
    }
}
