/**
 * virtio-blk (virtio 1.2 section 5.2): request parsing and the device over a BlockBackend, with
 * its rate limiter. Pure logic over guest memory.
 */
package io.jvmm.virtio.blk;
