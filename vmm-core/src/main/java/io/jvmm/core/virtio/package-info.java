/**
 * Placing virtio devices on the machine: MMIO slots, IRQs and ioeventfd/irqfd wiring, and the
 * kernel command line entries that announce them.
 */
package io.jvmm.core.virtio;
