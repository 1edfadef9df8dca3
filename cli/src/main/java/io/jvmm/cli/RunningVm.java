package io.jvmm.cli;

import io.jvmm.agent.AgentClient;
import io.jvmm.cli.state.StateDirs;
import io.jvmm.cli.state.VmRecord;
import io.jvmm.cli.state.VmStore;
import io.jvmm.cli.vmproc.ControlClient;

/** A VM that commands such as exec, cp, attach and snapshot talk to: it must be running. */
record RunningVm(StateDirs dirs, VmRecord record) {
    /** The VM {@code ref} names (name, id or unique id prefix); a one-line error when it is not running. */
    static RunningVm resolve(String ref) {
        StateDirs dirs = StateDirs.fromEnvironment();
        VmRecord r = new VmStore(dirs).resolve(ref);
        if (VmStore.effectiveStatus(r) != VmRecord.Status.RUNNING) throw CliException.runtime("VM " + r.name() + " is not running");
        return new RunningVm(dirs, r);
    }

    /** Its VM process's control socket. */
    ControlClient control() { return new ControlClient(dirs.controlSocket(record.id())); }

    /** Its agent, reached through the control socket. */
    AgentClient agent() { return new AgentClient(control().agentConnector()); }
}
