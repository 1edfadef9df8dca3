/**
 * Interrupt delivery: jvmm's IOAPIC for the split irqchip (MSIs through KVM_SIGNAL_MSI), KVM's
 * in-kernel irqchip, and irqfd lines.
 */
package io.jvmm.core.irq;
