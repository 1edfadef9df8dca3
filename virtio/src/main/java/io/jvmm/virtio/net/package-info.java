/**
 * virtio-net (virtio 1.2 section 5.1): the device over a NetBackend that carries frames to and
 * from the host, with receive and transmit rate limiters.
 */
package io.jvmm.virtio.net;
