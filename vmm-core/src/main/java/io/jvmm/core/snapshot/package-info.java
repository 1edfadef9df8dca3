/**
 * Snapshots (docs/snapshot.md): the saved state as named records (MachineState of VmState,
 * VcpuState, LegacyState, DeviceState), the checksummed state file, and the memory file a restore
 * maps copy-on-write.
 */
package io.jvmm.core.snapshot;
