package io.jvmm.runtime.pod;

import io.jvmm.runtime.state.VmRecord;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pod to create: one VM whose containers share its vCPUs, memory, network (published ports, eth0 and
 * localhost) and bind mounts. Nothing is booted until {@link Pod#start}.
 *
 * @param name     null: a random one
 * @param ports    {@code HOST:GUEST[/udp]}
 * @param mounts   host directories (binds) and volumes, visible in the pod's VM at their targets; a
 *                 container's directory root must lie in one of the binds
 * @param hostname null: the pod's short id
 * @param networkNamespace a network namespace a container engine prepared (CNI's, podman's), whose
 *                 interface the VM takes over instead of passt; null: passt, with {@code ports}
 */
public record PodConfig(
        String name,
        int cpus,
        long memoryMib,
        List<String> ports,
        List<VmRecord.Mount> mounts,
        String hostname,
        Map<String, String> labels,
        Path networkNamespace) {
    public PodConfig {
        ports = List.copyOf(ports);
        mounts = List.copyOf(mounts);
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** This pod with {@code m} shared too. */
    public PodConfig withMount(VmRecord.Mount m) {
        List<VmRecord.Mount> all = new ArrayList<>(mounts);
        all.add(m);
        return new PodConfig(name, cpus, memoryMib, ports, all, hostname, labels, networkNamespace);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String name, hostname;
        private int cpus = 1;
        private long memoryMib = 256;
        private final List<String> ports = new ArrayList<>();
        private final List<VmRecord.Mount> mounts = new ArrayList<>();
        private final Map<String, String> labels = new LinkedHashMap<>();
        private Path networkNamespace;

        private Builder() {}

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder cpus(int v) {
            cpus = v;
            return this;
        }

        public Builder memoryMib(long v) {
            memoryMib = v;
            return this;
        }

        /** Forwards host port to guest port ({@code HOST:GUEST[/udp]}). */
        public Builder publish(String v) {
            ports.add(v);
            return this;
        }

        public Builder mount(VmRecord.Mount m) {
            mounts.add(m);
            return this;
        }

        public Builder hostname(String v) {
            hostname = v;
            return this;
        }

        public Builder label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        /** Joins the VM to the interface of {@code netns} ({@code /run/netns/NAME}) instead of starting passt. */
        public Builder networkNamespace(Path netns) {
            networkNamespace = netns;
            return this;
        }

        public PodConfig build() {
            return new PodConfig(name, cpus, memoryMib, ports, mounts, hostname, labels, networkNamespace);
        }
    }
}
