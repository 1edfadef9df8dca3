package io.jvmm.virtio.queue;

/**
 * One buffer of a descriptor chain, already checked to lie inside guest RAM (virtio 1.2 2.7.5).
 *
 * @param address  guest-physical address
 * @param length   bytes
 * @param writable device-writable (VIRTQ_DESC_F_WRITE); otherwise device-readable
 */
public record Descriptor(long address, int length, boolean writable) {}
