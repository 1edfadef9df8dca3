package io.jvmm.agent;

import java.util.Objects;

/**
 * A mount inside a container, made by the agent in the container's root before its program runs: a
 * bind of a path of the pod's file system (a file or a directory, normally on a virtio-fs share), or a
 * tmpfs. The destination is resolved as the container sees it (its symlinks stay in its root) and made
 * when missing.
 *
 * @param type        {@code bind} or {@code tmpfs}
 * @param source      for a bind, the absolute path in the pod; for a tmpfs, empty
 * @param destination absolute path in the container
 * @param flags       {@link #READ_ONLY}, {@link #NO_SUID}, {@link #NO_DEV}, {@link #NO_EXEC}
 * @param data        a tmpfs's options ({@code size=64m,mode=1777}); empty for a bind
 */
public record ContainerMount(String type, String source, String destination, int flags, String data) {
    public static final int READ_ONLY = 1, NO_SUID = 2, NO_DEV = 4, NO_EXEC = 8;
    private static final int ALL_FLAGS = READ_ONLY | NO_SUID | NO_DEV | NO_EXEC;

    public ContainerMount {
        Objects.requireNonNull(type, "type");
        source = source == null ? "" : source;
        data = data == null ? "" : data;
        boolean bind = type.equals("bind");
        if (!bind && !type.equals("tmpfs"))
            throw new IllegalArgumentException("mount type \"" + type + "\": bind or tmpfs");
        if (destination == null || !destination.startsWith("/"))
            throw new IllegalArgumentException("mount destination must be an absolute path: " + destination);
        if (bind && !source.startsWith("/"))
            throw new IllegalArgumentException("bind source must be an absolute path in the pod: " + source);
        if (bind && !data.isEmpty()) throw new IllegalArgumentException("a bind mount takes no data: " + data);
        if ((flags & ~ALL_FLAGS) != 0)
            throw new IllegalArgumentException("unknown mount flags 0x" + Integer.toHexString(flags));
        for (String s : new String[] {source, destination, data})
            if (s.indexOf('\0') >= 0) throw new IllegalArgumentException("mount " + destination + ": NUL character");
    }

    public static ContainerMount bind(String source, String destination, boolean readOnly) {
        return new ContainerMount("bind", source, destination, readOnly ? READ_ONLY : 0, "");
    }

    public static ContainerMount tmpfs(String destination, int flags, String options) {
        return new ContainerMount("tmpfs", "", destination, flags, options);
    }

    public boolean readOnly() {
        return (flags & READ_ONLY) != 0;
    }
}
