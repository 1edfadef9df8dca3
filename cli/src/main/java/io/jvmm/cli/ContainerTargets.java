package io.jvmm.cli;

import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.pod.Container;
import java.io.PrintStream;
import java.util.Optional;

/**
 * What a name on the command line means to exec, logs, wait, stop, kill and rm: a VM (a pod is one), or
 * else a container of a pod. Names are one namespace; ids are looked up among VMs first.
 */
final class ContainerTargets {
    private ContainerTargets() {}

    /**
     * The container {@code ref} names; empty when it names a VM, or nothing at all (the VM's own lookup
     * then says so, and finds a VM whose record is broken).
     */
    static Optional<Container> find(Engine engine, PrintStream progress, String ref) {
        try {
            engine.vms().resolve(ref);
            return Optional.empty();
        } catch (EngineException notAVm) {
            return engine.pods(progress).findContainer(ref);
        }
    }
}
