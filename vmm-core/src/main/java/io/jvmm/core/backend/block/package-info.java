/**
 * Host storage behind virtio-blk: {@code RawImage}, a raw image file
 * (or block device) locked against a second writer; an implementation of the virtio module's
 * {@code BlockBackend}.
 */
package io.jvmm.core.backend.block;
