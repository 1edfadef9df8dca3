package io.jvmm.runtime.pod;

import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.runtime.state.VmRecord;
import java.time.Instant;
import java.util.List;

/**
 * A pod as {@code jvmm pod status} shows it (virtc's PodStatus): its state, what runs it, and its
 * containers with their last known states.
 *
 * @param paused     whether the running pod's vCPUs are paused (its containers are then as last recorded)
 * @param pid        the VM process, 0 when the pod does not run
 * @param startedAt  when the pod's VM last started, null before
 * @param hypervisor what runs the VM ({@link Hypervisor#describe})
 * @param agent      the agent in it ({@link Agent#describe}), "" when the pod does not run
 */
public record PodStatus(
        String id,
        String name,
        VmRecord.Status state,
        boolean paused,
        long pid,
        Instant startedAt,
        String hypervisor,
        String agent,
        List<ContainerRecord> containers) {
    public PodStatus {
        containers = List.copyOf(containers);
    }
}
