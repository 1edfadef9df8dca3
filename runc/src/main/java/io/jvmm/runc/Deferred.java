package io.jvmm.runc;

import java.util.List;
import java.util.Map;

/**
 * What config.json asks for that the engine has no place for yet, kept as read so that the next slice
 * applies it in the guest. Nothing here is applied.
 *
 * @param consoleSize    the pty's initial size, null when not given
 * @param joinNamespaces namespace type to the path of an existing one to join, but the network one (the
 *                       pod's VM joins that: {@code PodConfig.networkNamespace})
 * @param cpuShares      the cgroup CPU weight, null when not given
 * @param cpuset         {@code linux.resources.cpu.cpus}, null when not given
 */
public record Deferred(
        OciProcess.ConsoleSize consoleSize,
        Map<String, String> joinNamespaces,
        List<OciLinux.IdMapping> uidMappings,
        List<OciLinux.IdMapping> gidMappings,
        Map<String, String> sysctl,
        List<String> maskedPaths,
        List<String> readonlyPaths,
        Long cpuShares,
        String cpuset) {
    public Deferred {
        joinNamespaces = OciLists.copy(joinNamespaces);
        uidMappings = OciLists.copy(uidMappings);
        gidMappings = OciLists.copy(gidMappings);
        sysctl = OciLists.copy(sysctl);
        maskedPaths = OciLists.copy(maskedPaths);
        readonlyPaths = OciLists.copy(readonlyPaths);
    }
}
