package io.jvmm.shim.task;

import io.jvmm.runc.Bundle;
import io.jvmm.runc.BundleTranslation;
import io.jvmm.runc.BundleTranslator;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.ContainerConfig;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.pod.Pods;
import io.jvmm.shim.ttrpc.TtrpcException;
import java.nio.file.Path;

/**
 * Where a new task's init goes: a VM of its own (a standalone container's pod, or a Kubernetes
 * sandbox's), or a container in a running sandbox's VM (a member); each placement carries how to take
 * it away again, for a Create that fails after it.
 */
final class TaskPlacement {
    private final Pods pods;
    private final MemberRoots members;

    TaskPlacement(Pods pods, MemberRoots members) {
        this.pods = pods;
        this.members = members;
    }

    /** Where a new task's init lives, and how to take it away again when its Create fails later. */
    record Placement(Pod pod, Container container, Undo undo) {}

    interface Undo {
        void run() throws InterruptedException;
    }

    /**
     * A task with a VM of its own: a standalone container's pod, or a Kubernetes sandbox's, which runs no
     * process and shares a directory into which its members' roots are placed later.
     */
    Placement boot(String id, CriRole role, BundleTranslation t, boolean stdin) throws InterruptedException {
        if (pods.list().stream().anyMatch(p -> p.name().equals(id)))
            throw TtrpcException.alreadyExists(
                    "a pod named " + id + " is left from an earlier shim: run the shim's delete for it");
        Pod pod = pods.create(role.sandbox() ? t.pod().withMount(members.share(id)) : t.pod());
        Undo undo = () -> {
            pod.delete(true);
            if (role.sandbox()) members.removeSandbox(id);
        };
        try {
            Container container =
                    role.sandbox() ? null : pod.createContainer(t.container().withStdin(stdin));
            pod.boot(null);
            return new Placement(pod, container, undo);
        } catch (RuntimeException | InterruptedException e) {
            try {
                undo.run();
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /**
     * A container of a Kubernetes pod, in its running {@code sandbox}: its root and the sources of its
     * binds are placed where the sandbox's VM sees them.
     */
    Placement join(ShimTask sandbox, String id, Bundle b, boolean stdin) throws InterruptedException {
        String sandboxId = sandbox.id;
        Path root = members.place(sandboxId, id, b.rootfs(), b.spec().root().readonly());
        try {
            int[] next = {0};
            BundleTranslation t = BundleTranslator.translate(
                    b,
                    id,
                    bind -> sandbox.pod.pathInPod(
                            members.placeBind(sandboxId, id, next[0]++, bind.source(), bind.readOnly())));
            ContainerConfig config = t.container()
                    .withRoot(new ContainerConfig.Root.Directory(root))
                    .withStdin(stdin);
            // CRI's containers join the sandbox's UTS namespace by path and name no hostname: the pod's is theirs.
            if (config.hostname() == null || config.hostname().isEmpty())
                config = config.withHostname(sandbox.pod.record().guestHostname());
            Container container = sandbox.pod.createContainer(config);
            return new Placement(sandbox.pod, container, () -> {
                try {
                    container.delete(true);
                } finally {
                    members.remove(sandboxId, id);
                }
            });
        } catch (RuntimeException | InterruptedException e) {
            members.remove(sandboxId, id);
            throw e;
        }
    }
}
