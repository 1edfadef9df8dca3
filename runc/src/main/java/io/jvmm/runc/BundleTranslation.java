package io.jvmm.runc;

import io.jvmm.runtime.pod.ContainerConfig;
import io.jvmm.runtime.pod.PodConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * An OCI container as the engine's pod of one container ({@link BundleTranslator}): what {@code Pods}
 * and {@code Pod.createContainer} take, and beside it what they cannot take yet.
 *
 * @param id          the OCI container id; the pod's name
 * @param bundle      the bundle directory
 * @param pod         the VM: sized from the resources, the root and the directory binds shared with it
 * @param container   the init process in its root directory, with its cgroup limits
 * @param kernel      the {@code io.jvmm.kernel} annotation, null for the default kernel; the engine
 *                    does not take a kernel per pod yet
 * @param guestMounts the mounts config.json makes in the guest; the container's tmpfs mounts among them
 *                    are in {@code container}'s mounts, the others are the agent's own or not made
 * @param binds       the bind mounts; those the pod sees are in {@code container}'s mounts
 * @param hooks       the hooks, for the front-end to run at their points of the lifecycle ({@link HookRunner})
 * @param deferred    the rest of config.json that is not applied yet
 */
public record BundleTranslation(
        String id,
        Path bundle,
        PodConfig pod,
        ContainerConfig container,
        Path kernel,
        List<GuestMount> guestMounts,
        List<ContainerBind> binds,
        OciHooks hooks,
        Deferred deferred) {
    public BundleTranslation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(pod, "pod");
        Objects.requireNonNull(container, "container");
        guestMounts = List.copyOf(guestMounts);
        binds = List.copyOf(binds);
        Objects.requireNonNull(hooks, "hooks");
        Objects.requireNonNull(deferred, "deferred");
    }
}
