package io.jvmm.core.irq;

import io.jvmm.virtio.InterruptLine;

/**
 * The interrupt controller's input pins as devices see them, whichever model provides them: KVM's
 * in-kernel IOAPIC ({@link KernelIrqChip}) or jvmm's own ({@link IoApic}, with a split irqchip).
 */
public interface InterruptPins {
    /** A level source (the UART) asserts or deasserts {@code pin}. */
    void setLevel(int pin, boolean asserted);

    /**
     * An edge source for {@code pin}: each {@link InterruptLine#trigger()} is one interrupt. A line
     * that holds resources is also {@link AutoCloseable}; its user closes it.
     */
    InterruptLine edgeLine(int pin);
}
