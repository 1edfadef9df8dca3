/**
 * A virtual machine on KVM: its config (VmConfig and the device configs), the Vm that builds,
 * runs, pauses, snapshots and restores it, and how it ended (VmExit).
 */
package io.jvmm.core;
