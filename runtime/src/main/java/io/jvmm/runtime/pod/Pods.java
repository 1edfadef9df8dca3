package io.jvmm.runtime.pod;

import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.runtime.state.ContainerStore;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The pods of a host, virtcontainers' Pod API: create one ({@link #create}, which boots nothing), find
 * one ({@link #get}) or list them ({@link #list}). A pod is a VM record marked {@link VmRecord#pod()}, so
 * its lifecycle, locks and crash detection are those of every VM; its containers are recorded beside it
 * ({@link ContainerStore}).
 */
public final class Pods {
    final VmStore vms;
    final ContainerStore containers;
    final Hypervisor hypervisor;
    final ContainerRoots roots;
    /** Where image pulls report their progress. */
    final PrintStream progress;

    public Pods(VmStore vms, Hypervisor hypervisor, PrintStream progress) {
        this.vms = vms;
        this.containers = new ContainerStore(vms);
        this.hypervisor = hypervisor;
        this.roots = new ContainerRoots(vms.dirs());
        this.progress = progress;
    }

    /** Stores a new pod, created and not started; its configuration is checked first. */
    public Pod create(PodConfig config) {
        if (config.cpus() < 1 || config.cpus() > 64)
            throw EngineException.usage("a pod's vCPUs must be 1..64, got " + config.cpus());
        if (config.memoryMib() < 64)
            throw EngineException.usage("a pod's memory must be at least 64 MiB for Linux, got " + config.memoryMib());
        if (config.networkNamespace() != null && !config.ports().isEmpty())
            throw EngineException.usage("a pod in network namespace " + config.networkNamespace()
                    + " gets its port forwards from the engine that made it, not from -p " + config.ports());
        VmRecord draft = VmRecord.draft(null, List.of())
                .withName(config.name())
                .withCpus(config.cpus())
                .withMemoryMib(config.memoryMib())
                .withPorts(config.ports())
                .withVolumes(config.mounts())
                .withHostname(config.hostname())
                .withLabels(config.labels())
                .withDetached(true)
                .withReadOnlyRoot(true)
                .withPod(true)
                .withNetworkNamespace(
                        config.networkNamespace() == null
                                ? null
                                : config.networkNamespace().toString());
        VmRecord r = vms.create(draft);
        try {
            Path share = roots.makeShare(r.id());
            r = vms.update(r.id(), x -> x.withImage(share.toString()));
            hypervisor.check(r);
        } catch (RuntimeException e) {
            vms.remove(r.id());
            throw e;
        }
        return new Pod(this, r.id());
    }

    /** The pod {@code ref} names (name, id or unique id prefix); a runtime error when it is no pod. */
    public Pod get(String ref) {
        VmRecord r;
        try {
            r = vms.resolve(ref);
        } catch (EngineException e) {
            throw e.getMessage().startsWith("no such VM") ? EngineException.runtime("no such pod: " + ref) : e;
        }
        if (!r.pod()) throw EngineException.runtime(r.name() + " is a VM, not a pod");
        return new Pod(this, r.id());
    }

    /** Every pod, oldest first. */
    public List<Pod> list() {
        return vms.list().stream()
                .filter(VmRecord::pod)
                .map(r -> new Pod(this, r.id()))
                .toList();
    }

    /** The container {@code ref} names (name, id or unique id prefix) in any pod, if one does. */
    public Optional<Container> findContainer(String ref) {
        return containers.resolve(ref).map(c -> new Container(new Pod(this, c.podId()), c.name()));
    }

    /** The container {@code ref} names; a runtime error when none does. */
    public Container container(String ref) {
        return findContainer(ref).orElseThrow(() -> EngineException.runtime("no such container: " + ref));
    }

    ContainerRecord record(String podId, String name) {
        return containers.find(podId, name).orElseThrow(() -> EngineException.runtime("no such container: " + name));
    }
}
