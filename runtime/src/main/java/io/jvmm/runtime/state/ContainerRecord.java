package io.jvmm.runtime.state;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.jvmm.agent.ContainerLimits;
import io.jvmm.agent.ContainerMount;
import io.jvmm.agent.ProcessSecurity;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One container of a pod, as stored in {@code data/vms/POD_ID/containers/NAME.json}: what it runs and
 * from which root, and what was last seen of it. While its pod runs, the pod's agent knows its live
 * state; the record keeps it for when the pod is stopped, and to create the container again when the
 * pod starts again.
 *
 * @param id        64 lowercase hex digits, random
 * @param name      unique among containers and VMs ({@link VmStore#NAME}, at most 64 characters: it is
 *                  also the container's id in the guest)
 * @param podId     the pod's VM id
 * @param root      where its root comes from and where the pod's guest finds it
 * @param command   argv (never empty once created)
 * @param env       its whole environment, {@code KEY=VALUE}
 * @param workdir   working directory ("" : {@code /})
 * @param user      {@code name}, {@code uid} or {@code uid:gid} ("" : root)
 * @param hostname  its hostname ("" : its name)
 * @param tty       its init runs on a terminal in the guest
 * @param stdin     its init reads a stdin pipe that an attach feeds (without a terminal)
 * @param limits    memory, CPU and pids limits (cgroup v2 in the guest)
 * @param mounts    binds of the pod's paths and tmpfs mounts in its root
 * @param security  its program's capabilities, no_new_privs, rlimits, umask and extra groups
 * @param imageRef  the OCI image reference its root came from, null otherwise
 * @param imageId   that image's id (config digest), null otherwise
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ContainerRecord(
        String id,
        String name,
        String podId,
        Instant created,
        Root root,
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
        String imageRef,
        String imageId,
        Map<String, String> labels,
        State state) {

    /** Longest container name: the guest uses it as a directory and cgroup name. */
    public static final int MAX_NAME = 64;

    public enum Status {
        CREATED,
        RUNNING,
        EXITED
    }

    /**
     * @param kind      {@code IMAGE} (a root image file, mounted read-only through a loop device) or
     *                  {@code DIRECTORY} (a directory of one of the pod's binds)
     * @param source    what the user named: an image reference, a root image file or a host directory
     * @param hostPath  the file placed in the pod's share, or the host directory
     * @param guestPath where the pod's guest finds it
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Root(String kind, String source, String hostPath, String guestPath) {
        public Root {
            if (!"IMAGE".equals(kind) && !"DIRECTORY".equals(kind))
                throw new IllegalArgumentException("container root kind must be IMAGE or DIRECTORY: " + kind);
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(hostPath, "hostPath");
            Objects.requireNonNull(guestPath, "guestPath");
        }
    }

    /**
     * @param exitCode  the exit status once exited (128 + signal when killed); null when unknown (the pod
     *                  stopped under it)
     * @param oomKilled its cgroup ran out of memory
     * @param error     why it could not be created or started, null otherwise
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record State(
            Status status, Instant startedAt, Instant finishedAt, Integer exitCode, boolean oomKilled, String error) {
        public State {
            Objects.requireNonNull(status, "status");
        }

        public static State created() {
            return new State(Status.CREATED, null, null, null, false, null);
        }

        public State running(Instant at) {
            return new State(Status.RUNNING, at, null, null, false, null);
        }

        public State exited(Instant at, Integer code, boolean oom, String why) {
            return new State(Status.EXITED, startedAt, at, code, oom, why);
        }
    }

    public ContainerRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(root, "root");
        command = command == null ? List.of() : List.copyOf(command);
        env = env == null ? List.of() : List.copyOf(env);
        workdir = workdir == null ? "" : workdir;
        user = user == null ? "" : user;
        hostname = hostname == null ? "" : hostname;
        limits = limits == null ? ContainerLimits.NONE : limits;
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        security = security == null ? ProcessSecurity.DEFAULT : security;
        labels = labels == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(labels));
        state = state == null ? State.created() : state;
    }

    public String shortId() {
        return id == null ? "" : id.substring(0, Math.min(12, id.length()));
    }

    public ContainerRecord withIdentity(String id, String name, String podId, Instant created) {
        return copy(id, name, podId, created, root, limits, state);
    }

    public ContainerRecord withRoot(Root root) {
        return copy(id, name, podId, created, root, limits, state);
    }

    public ContainerRecord withState(State state) {
        return copy(id, name, podId, created, root, limits, state);
    }

    /** This record with new cgroup limits (an update, applied in the guest and at the next start). */
    public ContainerRecord withLimits(ContainerLimits v) {
        return copy(id, name, podId, created, root, v, state);
    }

    /** This record with the fields that change over its life (and its limits) replaced; the rest stays. */
    private ContainerRecord copy(
            String id, String name, String podId, Instant created, Root root, ContainerLimits limits, State state) {
        return new ContainerRecord(
                id,
                name,
                podId,
                created,
                root,
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
                imageRef,
                imageId,
                labels,
                state);
    }
}
