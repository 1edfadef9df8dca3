/**
 * A FUSE server (protocol 7.31 to 7.37) that serves one host directory in passthrough, confined to
 * it with O_PATH descriptors and openat2; the file server behind virtio-fs. See README.md.
 */
package io.jvmm.fuse;
