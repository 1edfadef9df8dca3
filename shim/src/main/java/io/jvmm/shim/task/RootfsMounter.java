package io.jvmm.shim.task;

import io.jvmm.shim.proto.types.Mount;
import java.nio.file.Path;
import java.util.List;

/**
 * Mounts what containerd's snapshotter prepared (CreateTaskRequest.rootfs) at the bundle's {@code rootfs},
 * and takes it down again: the shim owns that mount for the task's life (runtime v2, Root Filesystems).
 */
public interface RootfsMounter {
    /** Mounts {@code mounts} in order at {@code target}; on failure nothing stays mounted. */
    void mount(List<Mount> mounts, Path target);

    /** Unmounts everything at {@code target}; nothing mounted there is not an error. */
    void unmount(Path target);
}
