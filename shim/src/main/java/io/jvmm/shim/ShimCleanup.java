package io.jvmm.shim;

import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.pod.Pods;
import io.jvmm.shim.proto.task.DeleteResponse;
import io.jvmm.shim.task.ContainerdProtos;
import io.jvmm.shim.task.RootfsMounter;
import java.nio.file.Path;
import java.time.Instant;

/**
 * The {@code delete} command, containerd's cleanup when it lost the shim (killed, or gone at a
 * containerd restart): the task's pod is removed with its VM and the rootfs unmounted. Its answer is
 * runc's shim's: killed, status 128 + SIGKILL.
 */
public final class ShimCleanup {
    private ShimCleanup() {}

    public static DeleteResponse delete(ShimFlags flags, Pods pods, RootfsMounter mounter, Path bundle) {
        flags.requireTask();
        for (Pod p : pods.list()) {
            if (p.name().equals(flags.id())) p.delete(true);
        }
        mounter.unmount(bundle.resolve("rootfs"));
        return DeleteResponse.newBuilder()
                .setExitStatus(128 + 9)
                .setExitedAt(ContainerdProtos.timestamp(Instant.now()))
                .build();
    }
}
