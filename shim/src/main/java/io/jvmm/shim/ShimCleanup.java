package io.jvmm.shim;

import io.jvmm.runc.BundleException;
import io.jvmm.runc.BundleReader;
import io.jvmm.runc.HookState;
import io.jvmm.runc.LifecycleHooks;
import io.jvmm.runc.OciSpec;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.pod.Pods;
import io.jvmm.shim.proto.task.DeleteResponse;
import io.jvmm.shim.task.ContainerdProtos;
import io.jvmm.shim.task.CriRole;
import io.jvmm.shim.task.MemberRoots;
import io.jvmm.shim.task.RootfsMounter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * The {@code delete} command, containerd's cleanup when it lost the shim (killed, or gone at a
 * containerd restart): the task's pod is removed with its VM (a Kubernetes pod's container leaves the
 * sandbox's pod to the sandbox's cleanup), the rootfs unmounted, and config.json's poststop hooks run,
 * as {@code runc delete --force} runs them for runc's shim. Its answer is runc's shim's: killed, status
 * 128 + SIGKILL.
 */
public final class ShimCleanup {
    private ShimCleanup() {}

    /** {@code warnings} gets each poststop hook that failed, and a config.json that cannot be read. */
    public static DeleteResponse delete(
            ShimFlags flags,
            Pods pods,
            RootfsMounter mounter,
            MemberRoots members,
            Path bundle,
            Consumer<String> warnings)
            throws InterruptedException {
        flags.requireTask();
        CriRole role = CriRole.ofBundle(bundle);
        if (role.member()) {
            members.remove(role.sandboxId(), flags.id()); // its container went with the sandbox's VM
        } else {
            for (Pod p : pods.list()) {
                if (p.name().equals(flags.id())) p.delete(true);
            }
            members.removeSandbox(flags.id());
        }
        mounter.unmount(bundle.resolve("rootfs"));
        try {
            OciSpec spec = BundleReader.read(bundle).spec();
            new LifecycleHooks(
                            spec.hooks(),
                            new HookState(flags.id(), "stopped", 0, bundle.toString(), spec.annotations()))
                    .afterDelete()
                    .forEach(warnings);
        } catch (BundleException e) {
            warnings.accept("poststop hooks not run: " + e.getMessage());
        }
        return DeleteResponse.newBuilder()
                .setExitStatus(128 + 9)
                .setExitedAt(ContainerdProtos.timestamp(Instant.now()))
                .build();
    }
}
