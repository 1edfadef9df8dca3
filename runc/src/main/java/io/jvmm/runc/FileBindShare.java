package io.jvmm.runc;

import io.jvmm.files.FileTrees;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.HostBinds;
import io.jvmm.runtime.state.VmRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The file binds of a container in a pod of its own (podman's /etc/hosts, /etc/resolv.conf, /etc/hostname
 * and /run/.containerenv): virtio-fs shares directories, so each file is bound (a host bind mount) on an
 * empty file named after its index in {@code mounts}, in a directory of the container's own that its pod
 * shares at {@value #IN_POD}. Only those files reach the guest, not their neighbours (podman's userdata
 * directory also holds its own state). The share is read-only when every file bind is. Owned by the
 * container: {@link #remove} takes the binds down and the directory away.
 */
public final class FileBindShare {
    /** Where the pod's VM sees the directory. */
    public static final String IN_POD = "/oci/files";

    private final Path dir;
    private final boolean readOnly;

    private FileBindShare(Path dir, boolean readOnly) {
        this.dir = dir;
        this.readOnly = readOnly;
    }

    /**
     * Binds the files among {@code binds} in {@code dir} (made here; it must not exist); returns null when
     * there are none. On failure nothing stays bound and the error names the mount.
     */
    public static FileBindShare place(List<ContainerBind> binds, Path dir) throws InterruptedException {
        List<ContainerBind> files = binds.stream().filter(b -> !b.directory()).toList();
        if (files.isEmpty()) return null;
        FileBindShare share = new FileBindShare(dir, files.stream().allMatch(ContainerBind::readOnly));
        try {
            Files.createDirectories(dir.getParent());
            Files.createDirectory(dir);
        } catch (IOException e) {
            throw new BundleException("cannot create " + dir + " for the file binds: " + e.getMessage(), e);
        }
        try {
            for (ContainerBind b : files) {
                Path target = dir.resolve(Integer.toString(b.index()));
                try {
                    Files.createFile(target);
                } catch (IOException e) {
                    throw new BundleException("cannot create " + target + ": " + e.getMessage(), e);
                }
                try {
                    HostBinds.bind(b.source(), target, b.readOnly());
                } catch (EngineException e) {
                    throw BundleException.config("mounts[" + b.index() + "]: the file " + b.source()
                            + " cannot reach the VM (a host bind mount, which needs mount privileges): "
                            + e.getMessage());
                }
            }
        } catch (RuntimeException | InterruptedException e) {
            remove(dir);
            throw e;
        }
        return share;
    }

    /** The pod's bind of the directory. */
    public VmRecord.Mount podMount() {
        return VmRecord.Mount.bind(dir.toString(), IN_POD, readOnly);
    }

    /** Where the pod's VM sees each bind: a directory where the translation shares it, a file in this share. */
    public BundleTranslator.BindPlacer placer() {
        return b -> b.directory() ? b.podPath() : IN_POD + "/" + b.index();
    }

    /** Takes the binds in {@code dir} down and removes it; nothing there is no error. */
    public static void remove(Path dir) throws InterruptedException {
        if (!Files.isDirectory(dir)) return;
        List<Path> targets = new ArrayList<>();
        try (var each = Files.list(dir)) {
            each.forEach(targets::add);
        } catch (IOException e) {
            throw EngineException.runtime("cannot list " + dir + ": " + e.getMessage());
        }
        for (Path t : targets) HostBinds.unbind(t);
        // Only once nothing is bound: a deletion must never reach through a bind into its source.
        for (Path t : targets)
            if (HostBinds.isMountPoint(t)) throw EngineException.runtime(t + " is still mounted; left in place");
        FileTrees.deleteQuietly(dir);
    }
}
