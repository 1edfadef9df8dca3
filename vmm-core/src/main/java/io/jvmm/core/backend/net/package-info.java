/**
 * Host networks behind virtio-net: passt (user-mode networking over a socketpair, with port
 * forwards) and TAP devices; implementations of the virtio module's {@code NetBackend}.
 */
package io.jvmm.core.backend.net;
