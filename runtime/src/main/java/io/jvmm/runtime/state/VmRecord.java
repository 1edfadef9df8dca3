package io.jvmm.runtime.state;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One VM, as stored in {@code data/vms/ID/vm.json}. Immutable; change it with the {@code with...}
 * helpers inside {@link VmStore#update}. {@code id} and {@code name} are assigned by
 * {@link VmStore#create} (a draft has {@code id == null}; {@code name == null} asks for a random one).
 *
 * @param id          64 lowercase hex digits, random
 * @param name        unique among records, {@code [a-zA-Z0-9][a-zA-Z0-9_.-]*}
 * @param image       absolute path of the root image, or of the root directory (served through virtio-fs)
 * @param command     the workload's argv (may be empty: the image's default)
 * @param env         {@code KEY=VALUE} strings
 * @param volumes     what is attached, in order: named volumes, drive files and host directories (binds)
 * @param ports       {@code HOST:GUEST[/udp]}
 * @param state       what the VM process last reported
 * @param workdir     the workload's working directory in the guest (null or empty: {@code /})
 * @param user        the workload's user ({@code name}, {@code uid} or {@code uid:gid}; null or empty: root)
 * @param imageRef    the OCI image reference the VM was started from ({@code registry/repo:tag}), null for a
 *                    root image file ({@code --rootfs})
 * @param imageId     that image's id (config digest, {@code sha256:...}), null for a root image file
 * @param exposedPorts the image's ExposedPorts ({@code 8080/tcp}), as recorded; not published unless {@code -P}/{@code -p}
 * @param logs        how much of the workload and console logs is kept ({@code --log-opt})
 * @param security    how the detached VM process is confined ({@code --security-opt})
 * @param limits      disk and network rate limits ({@code --disk-limit}, {@code --net-*-limit}, {@code jvmm update})
 * @param readOnlyRoot a root directory is mounted read-only under an overlay ({@code --read-only}) rather than
 *                    read-write as {@code /}
 * @param autoRemove  the record and its files are removed when the VM exits ({@code --rm})
 * @param hostname    the guest's hostname ({@code --hostname}); null: the short id
 * @param labels      {@code KEY=VALUE} metadata ({@code --label}), in the order given; not seen by the guest
 * @param pod         a pod's VM: no workload of its own, its root the pod's share, its containers recorded beside it
 *                    ({@code io.jvmm.runtime.pod})
 * @param networkNamespace a network namespace a container engine prepared ({@code /run/netns/NAME}): the VM
 *                    joins its interface ({@code NetnsTap}) instead of starting passt; null: passt when installed
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record VmRecord(
        String id,
        String name,
        Instant created,
        String image,
        List<String> command,
        List<String> env,
        int cpus,
        long memoryMib,
        List<Mount> volumes,
        List<String> ports,
        boolean tty,
        boolean interactive,
        boolean detached,
        State state,
        String workdir,
        String user,
        String imageRef,
        String imageId,
        List<String> exposedPorts,
        LogOptions logs,
        SecurityOptions security,
        LimitOptions limits,
        boolean readOnlyRoot,
        boolean autoRemove,
        String hostname,
        Map<String, String> labels,
        boolean pod,
        String networkNamespace) {

    private static final Pattern FULL_ID = Pattern.compile("[0-9a-f]{64}");

    /** Lifecycle as recorded. What {@code ps} shows is {@link VmStore#effectiveStatus}. */
    /**
     * Where a pod's guest finds its containers' roots ({@code containers/} of its share). The host adds and
     * removes them while the pod runs, so the guest sees this directory through the share itself, not
     * through its root's overlay ({@code SandboxConfig.RootDirectory}'s live directories).
     */
    public static final String POD_CONTAINERS_DIR = "/containers";

    public enum Status {
        CREATED,
        RUNNING,
        EXITED
    }

    /**
     * A volume, drive file or host directory attached to the VM.
     *
     * @param source   the volume name when {@code named}, else the absolute path of the drive file or directory
     * @param target   absolute path in the guest
     * @param readOnly attached read-only
     * @param named    a named volume ({@code data/volumes/NAME}) rather than a file or directory
     * @param bind     a host directory served through virtio-fs (docker's bind mount), never a volume
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Mount(String source, String target, boolean readOnly, boolean named, boolean bind) {
        public Mount {
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(target, "target");
            if (named && bind) throw new IllegalArgumentException("a mount is a named volume or a bind, not both");
        }

        /** The named volume {@code name} at {@code target}. */
        public static Mount volume(String name, String target, boolean readOnly) {
            return new Mount(name, target, readOnly, true, false);
        }

        /** The drive file {@code file} (absolute) at {@code target}. */
        public static Mount file(String file, String target, boolean readOnly) {
            return new Mount(file, target, readOnly, false, false);
        }

        /** The host directory {@code dir} (absolute) at {@code target}. */
        public static Mount bind(String dir, String target, boolean readOnly) {
            return new Mount(dir, target, readOnly, false, true);
        }
    }

    /**
     * The VM process's state.
     *
     * @param pid          the VM process's pid, 0 when none was started
     * @param pidStartTime field 22 of {@code /proc/PID/stat} for that pid (clock ticks since boot), so a
     *                     reused pid is not mistaken for the VM; 0 when none
     * @param startedAt    when the VM started, null before
     * @param finishedAt   when it exited, null before
     * @param exitCode     the workload's exit status; null when unknown (never ran, or the process died)
     * @param error        why it failed, null when it did not
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record State(
            Status status,
            long pid,
            long pidStartTime,
            Instant startedAt,
            Instant finishedAt,
            Integer exitCode,
            String error) {
        public State {
            Objects.requireNonNull(status, "status");
        }

        /** A VM that has not started. */
        public static State created() {
            return new State(Status.CREATED, 0, 0, null, null, null, null);
        }

        /** The VM process {@code pid} (started at {@code pidStartTime}, see {@link ProcessInfo}) runs the VM. */
        public static State running(long pid, long pidStartTime, Instant startedAt) {
            return new State(Status.RUNNING, pid, pidStartTime, startedAt, null, null, null);
        }

        /** This state, exited now-ish with {@code exitCode} (nullable) and {@code error} (nullable); keeps the pid. */
        public State exited(Instant finishedAt, Integer exitCode, String error) {
            return new State(Status.EXITED, pid, pidStartTime, startedAt, finishedAt, exitCode, error);
        }

        public State withStatus(Status s) {
            return new State(s, pid, pidStartTime, startedAt, finishedAt, exitCode, error);
        }

        public State withPid(long p, long startTime) {
            return new State(status, p, startTime, startedAt, finishedAt, exitCode, error);
        }

        public State withStartedAt(Instant t) {
            return new State(status, pid, pidStartTime, t, finishedAt, exitCode, error);
        }

        public State withFinishedAt(Instant t) {
            return new State(status, pid, pidStartTime, startedAt, t, exitCode, error);
        }

        public State withExitCode(Integer c) {
            return new State(status, pid, pidStartTime, startedAt, finishedAt, c, error);
        }

        public State withError(String e) {
            return new State(status, pid, pidStartTime, startedAt, finishedAt, exitCode, e);
        }
    }

    public VmRecord {
        command = command == null ? List.of() : List.copyOf(command);
        env = env == null ? List.of() : List.copyOf(env);
        volumes = volumes == null ? List.of() : List.copyOf(volumes);
        ports = ports == null ? List.of() : List.copyOf(ports);
        exposedPorts = exposedPorts == null ? List.of() : List.copyOf(exposedPorts);
        if (state == null) state = State.created();
        if (logs == null) logs = LogOptions.DEFAULT; // also records written before logs were limited
        if (security == null) security = SecurityOptions.DEFAULT;
        if (limits == null) limits = LimitOptions.NONE;
        labels = labels == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }

    /**
     * A draft for {@link VmStore#create}: no id, no name (random), created now, 1 vCPU, 256 MiB, nothing
     * attached, not detached, state CREATED.
     */
    public static VmRecord draft(String image, List<String> command) {
        return new VmRecord(
                null,
                null,
                Instant.now(),
                image,
                command,
                List.of(),
                1,
                256,
                List.of(),
                List.of(),
                false,
                false,
                false,
                State.created(),
                null,
                null,
                null,
                null,
                List.of(),
                LogOptions.DEFAULT,
                SecurityOptions.DEFAULT,
                LimitOptions.NONE,
                false,
                false,
                null,
                Map.of(),
                false,
                null);
    }

    /** True for a 64-lowercase-hex-digit id. */
    public static boolean isFullId(String s) {
        return s != null && FULL_ID.matcher(s).matches();
    }

    /** The first 12 characters of the id, as {@code ps} shows it. */
    public String shortId() {
        return id == null ? null : id.substring(0, Math.min(12, id.length()));
    }

    /** The guest's hostname: {@link #hostname()}, else the short id (as docker names a container's host). */
    public String guestHostname() {
        return hostname != null ? hostname : shortId();
    }

    public VmRecord withId(String v) {
        Copy d = new Copy(this);
        d.id = v;
        return d.build();
    }

    public VmRecord withName(String v) {
        Copy d = new Copy(this);
        d.name = v;
        return d.build();
    }

    public VmRecord withCreated(Instant v) {
        Copy d = new Copy(this);
        d.created = v;
        return d.build();
    }

    public VmRecord withImage(String v) {
        Copy d = new Copy(this);
        d.image = v;
        return d.build();
    }

    public VmRecord withCommand(List<String> v) {
        Copy d = new Copy(this);
        d.command = v;
        return d.build();
    }

    public VmRecord withEnv(List<String> v) {
        Copy d = new Copy(this);
        d.env = v;
        return d.build();
    }

    public VmRecord withCpus(int v) {
        Copy d = new Copy(this);
        d.cpus = v;
        return d.build();
    }

    public VmRecord withMemoryMib(long v) {
        Copy d = new Copy(this);
        d.memoryMib = v;
        return d.build();
    }

    public VmRecord withVolumes(List<Mount> v) {
        Copy d = new Copy(this);
        d.volumes = v;
        return d.build();
    }

    public VmRecord withPorts(List<String> v) {
        Copy d = new Copy(this);
        d.ports = v;
        return d.build();
    }

    public VmRecord withTty(boolean v) {
        Copy d = new Copy(this);
        d.tty = v;
        return d.build();
    }

    public VmRecord withInteractive(boolean v) {
        Copy d = new Copy(this);
        d.interactive = v;
        return d.build();
    }

    public VmRecord withDetached(boolean v) {
        Copy d = new Copy(this);
        d.detached = v;
        return d.build();
    }

    public VmRecord withState(State v) {
        Copy d = new Copy(this);
        d.state = v;
        return d.build();
    }

    public VmRecord withWorkdir(String v) {
        Copy d = new Copy(this);
        d.workdir = v;
        return d.build();
    }

    public VmRecord withUser(String v) {
        Copy d = new Copy(this);
        d.user = v;
        return d.build();
    }

    public VmRecord withImageRef(String v) {
        Copy d = new Copy(this);
        d.imageRef = v;
        return d.build();
    }

    public VmRecord withImageId(String v) {
        Copy d = new Copy(this);
        d.imageId = v;
        return d.build();
    }

    public VmRecord withExposedPorts(List<String> v) {
        Copy d = new Copy(this);
        d.exposedPorts = v;
        return d.build();
    }

    public VmRecord withLogs(LogOptions v) {
        Copy d = new Copy(this);
        d.logs = v;
        return d.build();
    }

    public VmRecord withSecurity(SecurityOptions v) {
        Copy d = new Copy(this);
        d.security = v;
        return d.build();
    }

    public VmRecord withLimits(LimitOptions v) {
        Copy d = new Copy(this);
        d.limits = v;
        return d.build();
    }

    public VmRecord withReadOnlyRoot(boolean v) {
        Copy d = new Copy(this);
        d.readOnlyRoot = v;
        return d.build();
    }

    public VmRecord withAutoRemove(boolean v) {
        Copy d = new Copy(this);
        d.autoRemove = v;
        return d.build();
    }

    public VmRecord withHostname(String v) {
        Copy d = new Copy(this);
        d.hostname = v;
        return d.build();
    }

    public VmRecord withLabels(Map<String, String> v) {
        Copy d = new Copy(this);
        d.labels = v;
        return d.build();
    }

    public VmRecord withPod(boolean v) {
        Copy d = new Copy(this);
        d.pod = v;
        return d.build();
    }

    public VmRecord withNetworkNamespace(String v) {
        Copy d = new Copy(this);
        d.networkNamespace = v;
        return d.build();
    }

    /** The fields of a record being copied with some of them changed, for the {@code with...} helpers. */
    private static final class Copy {
        private String id;
        private String name;
        private Instant created;
        private String image;
        private List<String> command;
        private List<String> env;
        private int cpus;
        private long memoryMib;
        private List<Mount> volumes;
        private List<String> ports;
        private boolean tty;
        private boolean interactive;
        private boolean detached;
        private State state;
        private String workdir;
        private String user;
        private String imageRef;
        private String imageId;
        private List<String> exposedPorts;
        private LogOptions logs;
        private SecurityOptions security;
        private LimitOptions limits;
        private boolean readOnlyRoot;
        private boolean autoRemove;
        private String hostname;
        private Map<String, String> labels;
        private boolean pod;
        private String networkNamespace;

        Copy(VmRecord r) {
            id = r.id;
            name = r.name;
            created = r.created;
            image = r.image;
            command = r.command;
            env = r.env;
            cpus = r.cpus;
            memoryMib = r.memoryMib;
            volumes = r.volumes;
            ports = r.ports;
            tty = r.tty;
            interactive = r.interactive;
            detached = r.detached;
            state = r.state;
            workdir = r.workdir;
            user = r.user;
            imageRef = r.imageRef;
            imageId = r.imageId;
            exposedPorts = r.exposedPorts;
            logs = r.logs;
            security = r.security;
            limits = r.limits;
            readOnlyRoot = r.readOnlyRoot;
            autoRemove = r.autoRemove;
            hostname = r.hostname;
            labels = r.labels;
            pod = r.pod;
            networkNamespace = r.networkNamespace;
        }

        VmRecord build() {
            return new VmRecord(
                    id,
                    name,
                    created,
                    image,
                    command,
                    env,
                    cpus,
                    memoryMib,
                    volumes,
                    ports,
                    tty,
                    interactive,
                    detached,
                    state,
                    workdir,
                    user,
                    imageRef,
                    imageId,
                    exposedPorts,
                    logs,
                    security,
                    limits,
                    readOnlyRoot,
                    autoRemove,
                    hostname,
                    labels,
                    pod,
                    networkNamespace);
        }
    }
}
