/**
 * Host backends: the host resources behind the guest's devices (image files, passt, TAP, Unix
 * sockets), one subpackage per kind. The device models live in the {@code virtio} module and see
 * only its interfaces ({@code BlockBackend}, {@code NetBackend}); these classes implement them
 * with native calls and child processes, which is why they live here and not there.
 */
package io.jvmm.core.backend;
