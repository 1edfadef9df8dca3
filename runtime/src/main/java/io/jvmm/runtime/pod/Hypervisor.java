package io.jvmm.runtime.pod;

import io.jvmm.runtime.state.VmRecord;

/**
 * How a pod's VM is run: booted, stopped, removed, and its agent reached. The engine does not depend on
 * how; {@link KvmHypervisor} is jvmm's own KVM monitor in a detached VM process. Errors are one-line
 * {@link io.jvmm.runtime.EngineException}s.
 */
public interface Hypervisor {
    /** Its name, for a pod's status. */
    String describe();

    /** Checks that the pod's VM could be built as recorded (root, mounts, ports, limits), booting nothing. */
    void check(VmRecord pod);

    /** Boots the pod's VM and returns once its agent is ready; a failed start leaves the pod exited, with the error. */
    void start(VmRecord pod, Integer readyTimeoutSeconds) throws InterruptedException;

    /** Whether the pod's VM runs. */
    boolean running(VmRecord pod);

    /** Whether the running pod's vCPUs are paused: its agent cannot answer until they resume. */
    boolean paused(VmRecord pod);

    /** Resumes the paused pod's vCPUs. */
    void resume(VmRecord pod);

    /** Powers the VM off: what still runs gets SIGTERM, then SIGKILL after {@code graceSeconds}. */
    void stop(VmRecord pod, int graceSeconds) throws InterruptedException;

    /** Returns once the pod's VM no longer runs, for whatever reason. */
    void awaitStopped(VmRecord pod) throws InterruptedException;

    /** Removes the pod's VM and everything stored with it; a running one only with {@code force} (killed). */
    void remove(VmRecord pod, boolean force);

    /** The agent of the running pod. */
    Agent agent(VmRecord pod);
}
