/**
 * virtio-rng (virtio 1.2 section 5.4): entropy for the guest from a host source.
 */
package io.jvmm.virtio.rng;
