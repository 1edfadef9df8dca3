/**
 * virtio-vsock (virtio 1.2 section 5.10) stream sockets: the device, the muxer that owns
 * connections, listeners and ports, and the connection state machine with its credit flow control.
 */
package io.jvmm.virtio.vsock;
