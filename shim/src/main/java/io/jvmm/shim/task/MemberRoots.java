package io.jvmm.shim.task;

import io.jvmm.runtime.state.VmRecord;
import io.jvmm.shim.proto.types.Mount;
import io.jvmm.shim.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the containers of a Kubernetes pod put their roots so that the pod's running VM reaches them: a
 * host directory per sandbox, {@code BASE/SANDBOX}, shared read-write with the sandbox's VM at
 * {@value #IN_POD} when it boots. A member container's rootfs is bind-mounted at {@code BASE/SANDBOX/ID}
 * afterwards; the VM's file server follows the new mount because it shares the host's mount namespace,
 * which is why no device has to be added to the running VM.
 */
public final class MemberRoots {
    /** Where a sandbox's VM sees the directory. */
    public static final String IN_POD = "/oci/containers";

    private final Path base;
    private final RootfsMounter mounter;

    public MemberRoots(Path base, RootfsMounter mounter) {
        this.base = base;
        this.mounter = mounter;
    }

    /** Makes the sandbox's directory and returns the bind that shares it with the sandbox's VM. */
    VmRecord.Mount share(String sandboxId) {
        Path dir = base.resolve(sandboxId);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TtrpcException(
                    TtrpcException.Code.UNKNOWN, "cannot create the pod's container directory " + dir + ": " + e);
        }
        return VmRecord.Mount.bind(dir.toString(), IN_POD, false);
    }

    /** Binds {@code rootfs} where the VM of {@code sandboxId} sees it; returns the host path of that place. */
    Path place(String sandboxId, String id, Path rootfs) {
        Path sandbox = base.resolve(sandboxId);
        if (!Files.isDirectory(sandbox))
            throw TtrpcException.notFound("sandbox " + sandboxId + " has no container directory in this shim");
        Path target = sandbox.resolve(id);
        try {
            Files.createDirectory(target);
        } catch (IOException e) {
            throw new TtrpcException(TtrpcException.Code.UNKNOWN, "cannot create " + target + ": " + e);
        }
        try {
            mounter.mount(
                    List.of(Mount.newBuilder()
                            .setType("bind")
                            .setSource(rootfs.toString())
                            .addOptions("rbind")
                            .build()),
                    target);
        } catch (RuntimeException e) {
            deleteEmpty(target);
            throw e;
        }
        return target;
    }

    /** Undoes {@link #place}: unmounts the container's root and removes its mount point. */
    public void remove(String sandboxId, String id) {
        Path target = base.resolve(sandboxId).resolve(id);
        if (!Files.exists(target)) return;
        mounter.unmount(target);
        deleteEmpty(target);
    }

    /** Removes the sandbox's directory, first unmounting the roots of containers whose removal never came. */
    public void removeSandbox(String sandboxId) {
        Path dir = base.resolve(sandboxId);
        if (!Files.isDirectory(dir)) return;
        try (var children = Files.list(dir)) {
            for (Path child : children.toList()) {
                mounter.unmount(child);
                deleteEmpty(child);
            }
        } catch (IOException e) {
            // unreadable: what is left stays for an administrator; the pod itself is gone
        }
        deleteEmpty(dir);
    }

    /** An empty directory only: a mount left on it must not take the files beneath with it. */
    private static void deleteEmpty(Path dir) {
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a mount point still in use, or not empty: left for the shim's delete after a restart
        }
    }
}
