package io.jvmm.virtio.queue;

/**
 * A virtqueue as the driver configured it through the transport (virtio-mmio QueueNum, QueueDesc,
 * QueueDriver, QueueDevice), before the device checks it.
 *
 * @param size          number of descriptors (QueueNum)
 * @param descTable     guest-physical address of the descriptor table
 * @param availRing     of the available (driver) ring
 * @param usedRing      of the used (device) ring
 */
public record QueueConfig(int size, long descTable, long availRing, long usedRing) {}
