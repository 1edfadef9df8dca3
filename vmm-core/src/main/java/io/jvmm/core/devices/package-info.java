/**
 * Placing the virtio module's devices on this machine: MMIO windows, IRQs, ioeventfd/irqfd wiring
 * and the kernel command-line tokens that announce them. (The device models themselves live in the
 * {@code virtio} module; this package only plugs them in.)
 */
package io.jvmm.core.devices;
