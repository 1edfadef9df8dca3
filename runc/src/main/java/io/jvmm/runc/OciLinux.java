package io.jvmm.runc;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * {@code linux} in config.json, the part jvmm-runc reads. Seccomp, devices, cgroupsPath, rootfs
 * propagation and the like are ignored: the container's kernel is the VM's own.
 *
 * @param namespaces    the namespaces to create, or (with a path) to join
 * @param uidMappings   for a user namespace
 * @param gidMappings   for a user namespace
 * @param sysctl        kernel parameters for the container
 * @param resources     cgroup limits, null when none
 * @param maskedPaths   paths in the container made unreadable
 * @param readonlyPaths paths in the container made read-only
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record OciLinux(
        List<Namespace> namespaces,
        List<IdMapping> uidMappings,
        List<IdMapping> gidMappings,
        Map<String, String> sysctl,
        Resources resources,
        List<String> maskedPaths,
        List<String> readonlyPaths) {

    /** The namespace types of the spec (1.1 added {@code time}). */
    public static final List<String> NAMESPACE_TYPES =
            List.of("cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts");

    /**
     * One namespace.
     *
     * @param type one of {@link #NAMESPACE_TYPES}
     * @param path an existing namespace to join ({@code /run/netns/NAME}), null to create one
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Namespace(String type, String path) {}

    /** A range of {@code size} ids from {@code containerID} in the container to {@code hostID} outside. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record IdMapping(
            @JsonProperty("containerID") long containerId,
            @JsonProperty("hostID") long hostId,
            long size) {}

    /** {@code linux.resources}: the parts with a meaning in a VM. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Resources(Memory memory, Cpu cpu, Pids pids) {
        /** No field given: an update that changes nothing. */
        public static final Resources NONE = new Resources(null, null, null);
    }

    /** @param limit bytes; -1 (or absent, or 0) unlimited */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Memory(Long limit) {}

    /**
     * @param shares relative weight
     * @param quota  microseconds of CPU time per period; -1 (or absent, or 0) unlimited
     * @param period microseconds; absent: 100000
     * @param cpus   the cpuset ({@code 0-3,5})
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Cpu(Long shares, Long quota, Long period, String cpus) {}

    /** @param limit the most tasks; -1 (or absent, or 0) unlimited */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Pids(Long limit) {}

    public OciLinux {
        namespaces = OciLists.copy(namespaces);
        uidMappings = OciLists.copy(uidMappings);
        gidMappings = OciLists.copy(gidMappings);
        sysctl = OciLists.copy(sysctl);
        maskedPaths = OciLists.copy(maskedPaths);
        readonlyPaths = OciLists.copy(readonlyPaths);
    }

    /** The linux part of a config.json that has none. */
    public static final OciLinux NONE = new OciLinux(null, null, null, null, null, null, null);
}
