package io.jvmm.runtime;

import io.jvmm.agent.AgentClient;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.vmproc.ControlClient;

/** A running VM ({@link Engine#running}): what exec, cp, attach and snapshot talk to. */
public record RunningVm(StateDirs dirs, VmRecord record) {
    /** Its VM process's control socket. */
    public ControlClient control() {
        return new ControlClient(dirs.controlSocket(record.id()));
    }

    /** Its agent, reached through the control socket. */
    public AgentClient agent() {
        return new AgentClient(control().agentConnector());
    }
}
