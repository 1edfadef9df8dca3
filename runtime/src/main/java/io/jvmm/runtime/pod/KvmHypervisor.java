package io.jvmm.runtime.pod;

import io.jvmm.runtime.DefaultKernel;
import io.jvmm.runtime.Engine;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.util.concurrent.ExecutionException;

/** jvmm's KVM monitor: each pod's VM in a detached VM process of its own, through the {@link Engine}. */
public final class KvmHypervisor implements Hypervisor {
    private final Engine engine;

    public KvmHypervisor(Engine engine) {
        this.engine = engine;
    }

    @Override
    public String describe() {
        return "jvmm-kvm";
    }

    @Override
    public void check(VmRecord pod) {
        engine.check(pod, DefaultKernel.fromSystem().resolve().kernel());
    }

    @Override
    public void start(VmRecord pod, Integer readyTimeoutSeconds) throws InterruptedException {
        engine.startExisting(pod.id(), readyTimeoutSeconds);
    }

    @Override
    public boolean running(VmRecord pod) {
        return VmStore.effectiveStatus(pod) == VmRecord.Status.RUNNING;
    }

    @Override
    public boolean paused(VmRecord pod) {
        return engine.paused(pod);
    }

    @Override
    public void resume(VmRecord pod) {
        engine.pause(pod.id(), false);
    }

    @Override
    public void stop(VmRecord pod, int graceSeconds) throws InterruptedException {
        engine.stop(pod, graceSeconds);
        // The VM process records the end just before it exits: wait for that, so a start right after sees it stopped.
        awaitStopped(pod);
    }

    @Override
    public void awaitStopped(VmRecord pod) throws InterruptedException {
        if (!running(pod)) return; // also rules out another process that took the recorded pid
        ProcessHandle vm = ProcessHandle.of(pod.state().pid()).orElse(null);
        if (vm == null) return;
        try {
            vm.onExit().get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for the VM process " + vm.pid(), e.getCause());
        }
    }

    @Override
    public void remove(VmRecord pod, boolean force) {
        engine.remove(pod.id(), force);
    }

    @Override
    public Agent agent(VmRecord pod) {
        return new VsockAgent(engine.running(pod.id()).agent(), pod.name());
    }
}
