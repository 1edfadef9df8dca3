/**
 * The host side of vsock outside the JVM: Firecracker's hybrid Unix socket (CONNECT <port>).
 */
package io.jvmm.core.vsock;
