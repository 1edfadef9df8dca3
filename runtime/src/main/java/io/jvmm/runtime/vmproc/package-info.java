/**
 * A detached VM's own process: it runs the sandbox, serves the control socket (ControlProtocol),
 * keeps the workload's output as rotated logs and fans it out to attached clients.
 */
package io.jvmm.runtime.vmproc;
