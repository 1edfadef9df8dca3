package io.jvmm.virtio;

/**
 * The interrupt input a transport raises, provided by the VMM: on KVM an irqfd (the kernel pulses the
 * IOAPIC pin without an exit), else a KVM_IRQ_LINE pulse. Edge semantics: every call is one
 * interrupt. Safe from any thread.
 */
@FunctionalInterface
public interface InterruptLine {
    void trigger();
}
