package io.jvmm.runtime.pod;

import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** A hypervisor whose "VM" is this process: a started pod is recorded running with this process's pid. */
public final class FakeHypervisor implements Hypervisor {
    private final VmStore vms;
    public final Map<String, FakeAgent> agents = new ConcurrentHashMap<>();
    /** The pods whose vCPUs are paused: their agents are not asked. */
    public final Set<String> paused = ConcurrentHashMap.newKeySet();

    public FakeHypervisor(VmStore vms) {
        this.vms = vms;
    }

    @Override
    public String describe() {
        return "fake-hypervisor";
    }

    @Override
    public void check(VmRecord pod) {
        if (pod.ports().contains("bad")) throw EngineException.usage("bad port");
    }

    @Override
    public void start(VmRecord pod, Integer readyTimeoutSeconds) {
        ProcessInfo.Id self = ProcessInfo.self();
        vms.update(
                pod.id(),
                r -> r.withState(r.state()
                        .withStatus(VmRecord.Status.RUNNING)
                        .withPid(self.pid(), self.startTime())
                        .withStartedAt(Instant.now())));
        agents.put(pod.id(), new FakeAgent());
    }

    @Override
    public boolean running(VmRecord pod) {
        return VmStore.effectiveStatus(pod) == VmRecord.Status.RUNNING && agents.containsKey(pod.id());
    }

    @Override
    public boolean paused(VmRecord pod) {
        return running(pod) && paused.contains(pod.id());
    }

    @Override
    public void resume(VmRecord pod) {
        paused.remove(pod.id());
    }

    @Override
    public void stop(VmRecord pod, int graceSeconds) {
        gone(pod);
        vms.update(pod.id(), r -> r.withState(r.state().exited(Instant.now(), null, null)));
    }

    @Override
    public void awaitStopped(VmRecord pod) throws InterruptedException {
        while (true) {
            VmRecord r;
            try {
                r = vms.get(pod.id());
            } catch (RuntimeException removed) {
                return;
            }
            if (!running(r)) return;
            Thread.sleep(20);
        }
    }

    @Override
    public void remove(VmRecord pod, boolean force) {
        gone(pod);
        vms.remove(pod.id());
    }

    private void gone(VmRecord pod) {
        paused.remove(pod.id());
        FakeAgent a = agents.remove(pod.id());
        if (a != null) a.close();
    }

    /** The agent of the running pod {@code podId}, null when it does not run. */
    public FakeAgent agentOf(String podId) {
        return agents.get(podId);
    }

    @Override
    public Agent agent(VmRecord pod) {
        return agents.get(pod.id());
    }
}
