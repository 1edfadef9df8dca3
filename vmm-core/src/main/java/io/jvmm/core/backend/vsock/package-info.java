/**
 * The host side of vsock outside the JVM: Firecracker's hybrid Unix socket ({@code CONNECT <port>})
 * in front of the virtio module's vsock device.
 */
package io.jvmm.core.backend.vsock;
