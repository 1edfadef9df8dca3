/**
 * Token-bucket rate limits as Firecracker configures them: a bandwidth and an operations bucket
 * per device or direction, changeable while the guest runs.
 */
package io.jvmm.virtio.ratelimit;
