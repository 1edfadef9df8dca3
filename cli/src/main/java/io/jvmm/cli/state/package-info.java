/**
 * The persistent state of jvmm's VMs and volumes, shared by {@code jvmm run/ps/rm/exec/stop/logs/volume}
 * and by the detached VM process.
 *
 * <ul>
 *   <li>{@link io.jvmm.cli.state.StateDirs}: where things live (data and runtime directories).</li>
 *   <li>{@link io.jvmm.cli.state.VmRecord}: one VM's {@code vm.json}, immutable, with copy helpers.</li>
 *   <li>{@link io.jvmm.cli.state.VmStore}: create/update/list/resolve/remove records under one file lock,
 *       atomic writes, and the effective status from the VM process's liveness.</li>
 *   <li>{@link io.jvmm.cli.state.ProcessInfo}: {@code /proc} start times, liveness, SIGKILL and wait.</li>
 *   <li>{@link io.jvmm.cli.state.VolumeStore}: named ext4 volumes, and {@code -v} spec parsing.</li>
 * </ul>
 * Every user error is a {@link io.jvmm.cli.state.StateException} with a one-line message and an exit status.
 */
package io.jvmm.cli.state;
