/**
 * A detached VM's own process: how it is spawned and confined (VmLaunch, VmProcessPolicy, VmConfinement),
 * how it runs the sandbox and serves the control socket (ControlProtocol), keeps the workload's output as
 * rotated logs and fans it out to attached clients.
 */
package io.jvmm.runtime.vmproc;
