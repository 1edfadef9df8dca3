/**
 * Host network backends for virtio-net: passt (user-mode networking over a socketpair) and TAP
 * devices; port forwards.
 */
package io.jvmm.core.net;
