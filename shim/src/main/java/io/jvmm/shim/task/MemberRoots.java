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
 * afterwards, and the sources of its bind mounts at {@code BASE/SANDBOX/ID.binds/N}. The VM's file
 * server sees these new mounts because it shares the host's mount namespace, so no device has to be
 * added to the running VM.
 */
public final class MemberRoots {
    /** Where a sandbox's VM sees the directory. */
    public static final String IN_POD = "/oci/containers";

    private static final String BINDS = ".binds";

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

    /**
     * Binds {@code rootfs} where the VM of {@code sandboxId} sees it, read-only on the host too when the
     * container's root is; returns the host path of that place.
     */
    Path place(String sandboxId, String id, Path rootfs, boolean readOnly) {
        Path sandbox = base.resolve(sandboxId);
        if (!Files.isDirectory(sandbox))
            throw TtrpcException.notFound("sandbox " + sandboxId + " has no container directory in this shim");
        if (id.endsWith(BINDS)) throw TtrpcException.invalidArgument("container id " + id + " ends with " + BINDS);
        return bindAt(rootfs, sandbox.resolve(id), false, readOnly);
    }

    /**
     * Binds {@code source} (a file or a directory) where the VM of {@code sandboxId} sees it, as bind
     * {@code index} of container {@code id}; returns the host path of that place. A read-only bind is
     * read-only on the host as well, so the VM's file server cannot write through it either.
     */
    Path placeBind(String sandboxId, String id, int index, Path source, boolean readOnly) {
        Path dir = base.resolve(sandboxId).resolve(id + BINDS);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TtrpcException(TtrpcException.Code.UNKNOWN, "cannot create " + dir + ": " + e);
        }
        return bindAt(source, dir.resolve(Integer.toString(index)), !Files.isDirectory(source), readOnly);
    }

    /**
     * Makes the mount point {@code target} (an empty file for a file) and binds {@code source} on it;
     * mount(8) remounts a bind read-only when asked in the same call (the submounts of a directory keep
     * their own flags).
     */
    private Path bindAt(Path source, Path target, boolean file, boolean readOnly) {
        try {
            if (file) Files.createFile(target);
            else Files.createDirectory(target);
        } catch (IOException e) {
            throw new TtrpcException(TtrpcException.Code.UNKNOWN, "cannot create " + target + ": " + e);
        }
        Mount.Builder bind =
                Mount.newBuilder().setType("bind").setSource(source.toString()).addOptions("rbind");
        if (readOnly) bind.addOptions("ro");
        try {
            mounter.mount(List.of(bind.build()), target);
        } catch (RuntimeException e) {
            deleteEmpty(target);
            throw e;
        }
        return target;
    }

    /** Undoes {@link #place} and {@link #placeBind}: unmounts the container's root and binds, and removes their mount points. */
    public void remove(String sandboxId, String id) {
        Path sandbox = base.resolve(sandboxId);
        Path binds = sandbox.resolve(id + BINDS);
        if (Files.isDirectory(binds)) {
            try (var each = Files.list(binds)) {
                for (Path b : each.toList()) {
                    mounter.unmount(b);
                    deleteEmpty(b);
                }
            } catch (IOException e) {
                // unreadable: left for an administrator, as a busy mount is
            }
            deleteEmpty(binds);
        }
        Path target = sandbox.resolve(id);
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
                String name = child.getFileName().toString();
                if (!name.endsWith(BINDS)) remove(sandboxId, name);
                else if (!Files.exists(dir.resolve(name.substring(0, name.length() - BINDS.length()))))
                    remove(sandboxId, name.substring(0, name.length() - BINDS.length()));
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
