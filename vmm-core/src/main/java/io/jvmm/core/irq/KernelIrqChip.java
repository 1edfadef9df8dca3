package io.jvmm.core.irq;

import io.jvmm.kvm.VmFd;
import io.jvmm.virtio.InterruptLine;

/**
 * KVM's in-kernel PIC and IOAPIC (KVM_CREATE_IRQCHIP): levels are driven with KVM_IRQ_LINE; edges
 * through an irqfd per pin (KVM pulses the pin itself, no ioctl on the data path) unless irqfds
 * are off, when they are a KVM_IRQ_LINE raise and lower.
 */
public final class KernelIrqChip implements InterruptPins {
    private final VmFd vm;
    private final boolean irqfd;

    /** @param irqfd edge lines through KVM_IRQFD (false: KVM_IRQ_LINE, for hosts without it and for comparison) */
    public KernelIrqChip(VmFd vm, boolean irqfd) {
        this.vm = vm;
        this.irqfd = irqfd;
    }

    @Override
    public void setLevel(int pin, boolean asserted) {
        vm.irqLine(pin, asserted);
    }

    /** With irqfds, the line is {@link AutoCloseable}: closing it unbinds and closes its eventfd. */
    @Override
    public InterruptLine edgeLine(int pin) {
        if (irqfd) return new IrqFdLine(vm, pin);
        return () -> {
            vm.irqLine(pin, true);
            vm.irqLine(pin, false);
        };
    }
}
