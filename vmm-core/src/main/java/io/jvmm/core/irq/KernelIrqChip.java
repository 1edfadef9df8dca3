package io.jvmm.core.irq;

import io.jvmm.kvm.VmFd;
import io.jvmm.virtio.InterruptLine;

/** KVM's in-kernel PIC and IOAPIC (KVM_CREATE_IRQCHIP): pins are driven with KVM_IRQ_LINE. */
public final class KernelIrqChip implements InterruptPins {
    private final VmFd vm;

    public KernelIrqChip(VmFd vm) { this.vm = vm; }

    @Override
    public void setLevel(int pin, boolean asserted) { vm.irqLine(pin, asserted); }

    /** A raise and a lower: an edge for the IOAPIC. (Virtio devices use irqfd instead where they can.) */
    @Override
    public InterruptLine edgeLine(int pin) {
        return () -> {
            vm.irqLine(pin, true);
            vm.irqLine(pin, false);
        };
    }
}
