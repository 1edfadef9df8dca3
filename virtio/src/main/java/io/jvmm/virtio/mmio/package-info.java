/**
 * The virtio-mmio transport (virtio 1.2 section 4.2): the register file, feature and queue set-up,
 * device status and the notifications between driver and device.
 */
package io.jvmm.virtio.mmio;
