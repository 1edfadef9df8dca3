package io.jvmm.runtime.pod;

import io.jvmm.agent.ContainerLimits;
import io.jvmm.agent.ContainerMount;
import io.jvmm.agent.ProcessSecurity;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A container to create in a pod. With an image root, the image's Entrypoint, Cmd, Env, WorkingDir and
 * User are the defaults that these fields override, by docker's rules
 * ({@link io.jvmm.runtime.image.ImageWorkload}).
 *
 * @param name       null: a random one
 * @param entrypoint replaces the image's Entrypoint and drops its Cmd; {@code ""} clears it; null: the image's
 * @param command    replaces the image's Cmd when not empty
 * @param env        {@code KEY=VALUE}, over the image's Env
 * @param workdir    null: the image's, else {@code /}
 * @param user       null: the image's, else root
 * @param hostname   null: the container's name
 * @param tty        its init runs on a terminal in the guest ({@link Container#attach} types at it)
 * @param stdin      its init reads a stdin pipe that {@link Container#attach} feeds (without a terminal)
 * @param mounts     made in its root, in order: binds of paths of the pod (a host path maps to one
 *                   with {@link Pod#pathInPod}) and tmpfs mounts
 * @param security   its program's capabilities, no_new_privs, rlimits, umask and extra groups
 */
public record ContainerConfig(
        String name,
        Root root,
        String entrypoint,
        List<String> command,
        List<String> env,
        String workdir,
        String user,
        String hostname,
        boolean tty,
        boolean stdin,
        boolean readOnlyRoot,
        ContainerLimits limits,
        List<ContainerMount> mounts,
        ProcessSecurity security,
        Map<String, String> labels) {

    /** Where a container's root comes from. */
    public sealed interface Root {
        /** An OCI image reference: from the store, else pulled; turned into a root image on first use. */
        record Image(String reference) implements Root {
            public Image {
                Objects.requireNonNull(reference, "reference");
            }
        }

        /** A root image file (erofs, ext4 or squashfs), mounted read-only. */
        record ImageFile(Path file) implements Root {
            public ImageFile {
                Objects.requireNonNull(file, "file");
            }
        }

        /** A host directory inside one of the pod's binds, through virtio-fs. */
        record Directory(Path dir) implements Root {
            public Directory {
                Objects.requireNonNull(dir, "dir");
            }
        }
    }

    public ContainerConfig {
        Objects.requireNonNull(root, "a container needs a root: an image, a root image file or a directory");
        command = List.copyOf(command);
        env = List.copyOf(env);
        limits = limits == null ? ContainerLimits.NONE : limits;
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        security = security == null ? ProcessSecurity.DEFAULT : security;
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /** This container with its root from {@code r} instead. */
    public ContainerConfig withRoot(Root r) {
        return copy(r, stdin, mounts, hostname);
    }

    /** This container with {@code m} as its mounts instead. */
    public ContainerConfig withMounts(List<ContainerMount> m) {
        return copy(root, stdin, m, hostname);
    }

    /** This container with its init reading a stdin pipe, or not. */
    public ContainerConfig withStdin(boolean in) {
        return copy(root, in, mounts, hostname);
    }

    /** This container with {@code h} as its hostname (null: its name). */
    public ContainerConfig withHostname(String h) {
        return copy(root, stdin, mounts, h);
    }

    private ContainerConfig copy(Root r, boolean in, List<ContainerMount> m, String h) {
        return new ContainerConfig(
                name,
                r,
                entrypoint,
                command,
                env,
                workdir,
                user,
                h,
                tty,
                in,
                readOnlyRoot,
                limits,
                m,
                security,
                labels);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private String name, entrypoint, workdir, user, hostname;
        private Root root;
        private List<String> command = List.of();
        private final List<String> env = new ArrayList<>();
        private boolean tty, stdin, readOnlyRoot;
        private ContainerLimits limits = ContainerLimits.NONE;
        private final List<ContainerMount> mounts = new ArrayList<>();
        private ProcessSecurity security = ProcessSecurity.DEFAULT;
        private final Map<String, String> labels = new LinkedHashMap<>();

        private Builder() {}

        public Builder name(String v) {
            name = v;
            return this;
        }

        /** The root from an OCI image reference. */
        public Builder image(String reference) {
            root = new Root.Image(reference);
            return this;
        }

        /** The root from a root image file. */
        public Builder imageFile(Path file) {
            root = new Root.ImageFile(file);
            return this;
        }

        /** The root from a host directory inside one of the pod's binds. */
        public Builder directory(Path dir) {
            root = new Root.Directory(dir);
            return this;
        }

        public Builder entrypoint(String v) {
            entrypoint = v;
            return this;
        }

        public Builder command(String... argv) {
            return command(List.of(argv));
        }

        public Builder command(List<String> argv) {
            command = List.copyOf(argv);
            return this;
        }

        public Builder env(String keyValue) {
            env.add(keyValue);
            return this;
        }

        public Builder workdir(String v) {
            workdir = v;
            return this;
        }

        public Builder user(String v) {
            user = v;
            return this;
        }

        public Builder hostname(String v) {
            hostname = v;
            return this;
        }

        public Builder tty(boolean v) {
            tty = v;
            return this;
        }

        /** The init's stdin a pipe that {@link Container#attach} feeds, not /dev/null (docker's {@code -i}). */
        public Builder stdin(boolean v) {
            stdin = v;
            return this;
        }

        public Builder readOnlyRoot(boolean v) {
            readOnlyRoot = v;
            return this;
        }

        public Builder limits(ContainerLimits v) {
            limits = v;
            return this;
        }

        public Builder mount(ContainerMount m) {
            mounts.add(m);
            return this;
        }

        public Builder security(ProcessSecurity v) {
            security = v;
            return this;
        }

        public Builder label(String key, String value) {
            labels.put(key, value);
            return this;
        }

        public ContainerConfig build() {
            return new ContainerConfig(
                    name,
                    root,
                    entrypoint,
                    command,
                    env,
                    workdir,
                    user,
                    hostname,
                    tty,
                    stdin,
                    readOnlyRoot,
                    limits,
                    mounts,
                    security,
                    labels);
        }
    }
}
