/**
 * OCI image layers to a read-only root file system image for the guest, without privileges:
 * {@link io.jvmm.image.rootfs.RootfsBuilder} merges the layer tars in memory (whiteouts, hard
 * links, owners, modes, xattrs, device nodes) and writes an uncompressed EROFS image directly.
 * What one build may take from the host (unpacked bytes, entries, path depth, xattrs) is bounded
 * by {@link io.jvmm.image.rootfs.RootfsLimits}. See docs/rootfs-images.md.
 */
package io.jvmm.image.rootfs;
