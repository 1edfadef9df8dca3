/**
 * Host storage backends for virtio-blk: raw image files, locked against a second writer.
 */
package io.jvmm.core.storage;
