package io.jvmm.agent;

/**
 * Where a container's root comes from, as a path in the pod's file system (normally on its
 * virtio-fs share): a directory, or an EROFS/ext4/squashfs image file mounted read-only through a
 * loop device. Either way the container writes to a tmpfs overlay unless its root is read-only.
 */
public record ContainerRoot(Kind kind, String path) {
    public enum Kind {
        DIRECTORY,
        IMAGE
    }

    public ContainerRoot {
        if (kind == null) throw new IllegalArgumentException("container root kind is missing");
        if (path == null || !path.startsWith("/"))
            throw new IllegalArgumentException("container root must be an absolute guest path: " + path);
        if (path.indexOf('\0') >= 0) throw new IllegalArgumentException("container root path contains a NUL character");
    }

    public static ContainerRoot directory(String path) {
        return new ContainerRoot(Kind.DIRECTORY, path);
    }

    public static ContainerRoot image(String path) {
        return new ContainerRoot(Kind.IMAGE, path);
    }

    /** The wire form: {@code dir:PATH} or {@code image:PATH}. */
    String encoded() {
        return (kind == Kind.DIRECTORY ? "dir:" : "image:") + path;
    }
}
