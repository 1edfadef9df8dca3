/**
 * A virtual machine on KVM: its config (VmConfig and the device configs, which take paths or
 * backend instances), the Vm that runs, pauses and snapshots it, and how it ended (VmExit).
 */
package io.jvmm.core;
