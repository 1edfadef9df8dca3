/**
 * The snapshot format (docs/snapshot.md): machine, vCPU and device state, checksummed, and the
 * memory file a restore maps copy-on-write.
 */
package io.jvmm.core.snapshot;
