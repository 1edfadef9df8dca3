/**
 * Split virtqueues (virtio 1.2 section 2.7): walking descriptor chains written by an untrusted
 * driver, with every address, length and loop checked, and returning used buffers.
 */
package io.jvmm.virtio.queue;
