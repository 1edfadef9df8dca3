/**
 * The persistent state of jvmm's VMs and volumes, shared by {@code jvmm run/ps/rm/exec/stop/logs/volume}
 * and by the detached VM process.
 *
 * <ul>
 *   <li>{@link StateDirs}: where things live (data and runtime directories).</li>
 *   <li>{@link VmRecord}: one VM's {@code vm.json}, immutable, with copy helpers.</li>
 *   <li>{@link VmStore}: create/update/list/resolve/remove records under one file lock,
 *       atomic writes, and the effective status from the VM process's liveness.</li>
 *   <li>{@link ProcessInfo}: {@code /proc} start times, liveness, SIGKILL and wait.</li>
 *   <li>{@link VolumeStore}: named ext4 volumes, and {@code -v} spec parsing.</li>
 * </ul>
 * Every user error is a {@link EngineException} with a one-line message and an exit status.
 */
package io.jvmm.runtime.state;

import io.jvmm.runtime.EngineException;
