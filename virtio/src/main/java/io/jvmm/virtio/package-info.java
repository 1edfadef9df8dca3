/**
 * virtio 1.2 devices over guest memory: the mmio transport ({@code mmio}), split virtqueues
 * ({@code queue}) and the device models ({@code blk}, {@code rng}, {@code net}, {@code vsock}). No KVM
 * here; see README.md.
 */
package io.jvmm.virtio;
