package io.jvmm.runtime.pod;

import io.jvmm.files.FileTrees;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Puts a container's root where its pod's guest can reach it. The pod's root is its share directory
 * ({@link StateDirs#podShareDir}), served read-only through virtio-fs: a root image file is linked
 * (or, across file systems, copied) to {@code containers/NAME/root.img} in it, so it can be added to a
 * running pod. A directory must lie in one of the pod's binds, which the guest already has.
 */
final class ContainerRoots {
    /** Directories the agent mounts over in the pod's root; made up front so that the read-only share has them. */
    private static final String[] POD_ROOT_DIRS = {"containers", "dev", "proc", "sys", "tmp", "run", "etc"};

    private final StateDirs dirs;

    ContainerRoots(StateDirs dirs) {
        this.dirs = dirs;
    }

    /** Makes the pod's share, its root in the guest; returns its path. */
    Path makeShare(String podId) {
        Path share = dirs.podShareDir(podId);
        try {
            for (String d : POD_ROOT_DIRS) Files.createDirectories(share.resolve(d));
        } catch (IOException e) {
            throw EngineException.runtime("cannot create the pod's share " + share + ": " + StateDirs.describe(e));
        }
        return share;
    }

    /** The root image file {@code file} of container {@code name} of {@code pod}, placed in the pod's share. */
    ContainerRecord.Root placeImage(VmRecord pod, String name, String source, Path file) {
        Path dir = dirs.podShareDir(pod.id()).resolve("containers").resolve(name);
        Path target = dir.resolve("root.img");
        try {
            Files.createDirectories(dir);
            try {
                Files.createLink(target, file);
            } catch (FileAlreadyExistsException e) {
                throw e;
            } catch (IOException | UnsupportedOperationException e) {
                // another file system, or a link refused (fs.protected_hardlinks): a copy does the same
                Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw EngineException.runtime("cannot place the root of container " + name + " in pod " + pod.name() + ": "
                    + StateDirs.describe(e));
        }
        return new ContainerRecord.Root(
                "IMAGE", source, target.toString(), VmRecord.POD_CONTAINERS_DIR + "/" + name + "/root.img");
    }

    /** The directory {@code dir} as the pod's guest sees it through one of its binds; a usage error when none holds it. */
    static ContainerRecord.Root directory(VmRecord pod, Path dir) {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) throw EngineException.usage("container root " + abs + ": no such directory");
        return new ContainerRecord.Root("DIRECTORY", abs.toString(), abs.toString(), inPod(pod, abs, "container root"));
    }

    /** Where the pod's guest sees host path {@code path}, through one of the pod's binds; a usage error when none holds it. */
    static String inPod(VmRecord pod, Path path, String what) {
        Path abs = path.toAbsolutePath().normalize();
        for (VmRecord.Mount m : pod.volumes()) {
            if (!m.bind()) continue;
            Path src = Path.of(m.source());
            if (!abs.startsWith(src)) continue;
            String rel = src.relativize(abs).toString();
            return rel.isEmpty() ? m.target() : m.target().replaceAll("/$", "") + "/" + rel;
        }
        throw EngineException.usage(what + " " + abs + " is not inside a directory bound into pod " + pod.name()
                + "; bind it (or a directory above it) when the pod is created");
    }

    /** Removes what {@link #placeImage} put in the share for container {@code name}. */
    void release(VmRecord pod, String name) {
        FileTrees.deleteQuietly(dirs.podShareDir(pod.id()).resolve("containers").resolve(name));
    }
}
