package io.jvmm.sandbox;

import io.jvmm.core.CpuTemplate;
import io.jvmm.core.backend.net.NetnsInterface;
import io.jvmm.core.backend.net.PortForward;
import io.jvmm.virtio.ratelimit.RateLimit;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What a sandbox is made of: a kernel, a root (an image the agent mounts read-only under a writable
 * overlay, or a host directory through virtio-fs), volumes, bind mounts of host directories, network
 * and sizes.
 *
 * @param name         VM name (thread names, errors); also the default hostname
 * @param kernel       the guest kernel (kernel/build.sh's vmlinux)
 * @param rootfs       the root image: ext4, erofs or squashfs; never written; null with a root directory
 * @param rootDirectory a host directory as the root through virtio-fs, or null with a root image
 * @param rootfsType   "auto" (the agent reads the superblock), "ext4", "erofs" or "squashfs"
 * @param volumes      extra drives mounted in the guest
 * @param binds        host directories mounted in the guest through virtio-fs
 * @param scratch      an ext4 image for the overlay's upper layer, or null for tmpfs (RAM)
 * @param network      a virtio-net device through passt, with these port forwards; null for none
 * @param console      where the guest console goes (null: kept only for error reports)
 * @param readyTimeout how long the guest may take from start to the agent's HELLO
 * @param networkSocket a socket connected to a passt another process started for this sandbox
 *                     ({@link Sandbox#spawnNetwork}), or -1 to start passt here
 * @param diskLimit    each drive's rate limit (root image and volumes)
 * @param netRxLimit   what the guest receives, per unit of time
 * @param netTxLimit   what the guest sends
 * @param joinedNetwork a TAP already joined to a container engine's network namespace ({@code NetnsTap}): the
 *                     guest's eth0 takes that interface's MAC, address and gateway; null with passt or no network
 * @param beforeGuestRuns run once the VM is built (every file, device and helper open) and just
 *                     before its first guest instruction: where a VM process confines itself; null for nothing
 */
public record SandboxConfig(
        String name,
        Path kernel,
        Path rootfs,
        RootDirectory rootDirectory,
        String rootfsType,
        List<Volume> volumes,
        List<Bind> binds,
        Path scratch,
        int cpus,
        long memoryMib,
        String hostname,
        List<String> env,
        List<PortForward> network,
        String cmdline,
        OutputStream console,
        Duration readyTimeout,
        int networkSocket,
        RateLimit diskLimit,
        RateLimit netRxLimit,
        RateLimit netTxLimit,
        JoinedNetwork joinedNetwork,
        Runnable beforeGuestRuns) {

    /** The TAP descriptor {@code tapFd} (the sandbox owns it from now on), joined to {@code iface}. */
    public record JoinedNetwork(int tapFd, NetnsInterface iface) {
        public JoinedNetwork {
            Objects.requireNonNull(iface, "iface");
            if (tapFd < 0) throw new IllegalArgumentException("sandbox: a joined network needs its TAP descriptor");
        }
    }

    /** An image file mounted at {@code guestPath}. */
    public record Volume(Path image, String guestPath, boolean readOnly) {
        public Volume {
            Objects.requireNonNull(image, "image");
            if (guestPath == null
                    || !guestPath.startsWith("/")
                    || guestPath.equals("/")
                    || guestPath.contains("/../")
                    || guestPath.endsWith("/.."))
                throw new IllegalArgumentException(
                        "volume path must be an absolute path below /, got \"" + guestPath + "\"");
        }
    }

    /**
     * A host directory mounted at {@code guestPath} through virtio-fs (docker's bind mount): what
     * the guest writes there lands in the directory; read-only refuses every change with EROFS.
     */
    public record Bind(Path hostDir, String guestPath, boolean readOnly) {
        public Bind {
            Objects.requireNonNull(hostDir, "hostDir");
            if (guestPath == null
                    || !guestPath.startsWith("/")
                    || guestPath.equals("/")
                    || guestPath.contains("/../")
                    || guestPath.endsWith("/.."))
                throw new IllegalArgumentException(
                        "bind mount path must be an absolute path below /, got \"" + guestPath + "\"");
        }

        /** The virtio-fs tag of the {@code index}th bind mount. */
        static String tag(int index) {
            return "bind" + index;
        }
    }

    /**
     * A host directory as the guest's root, served by virtio-fs (share {@value #TAG}): read-write as
     * {@code /} itself, so what the workload writes lands in it; or, {@code readOnly}, the lower layer
     * of the overlay like a root image, so the directory is never written. {@code live} names
     * directories in it (guest paths) that the host changes while the guest runs: the guest sees them
     * through the share itself, read-only, because an overlay's lower layer must not change beneath it.
     */
    public record RootDirectory(Path dir, boolean readOnly, List<String> live) {
        /** The virtio-fs tag of the root directory. */
        static final String TAG = "root";

        public RootDirectory {
            Objects.requireNonNull(dir, "dir");
            live = List.copyOf(live);
        }
    }

    public SandboxConfig {
        volumes = List.copyOf(volumes);
        binds = List.copyOf(binds);
        env = List.copyOf(env);
        network = network == null ? null : List.copyOf(network);
        diskLimit = Objects.requireNonNullElse(diskLimit, RateLimit.UNLIMITED);
        netRxLimit = Objects.requireNonNullElse(netRxLimit, RateLimit.UNLIMITED);
        netTxLimit = Objects.requireNonNullElse(netTxLimit, RateLimit.UNLIMITED);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The default time to wait for the agent: a Linux boot takes about 100 ms on VMX/SVM hosts but
     * tens of seconds on kvm_pvm, where guest kernel code is emulated.
     */
    public static Duration defaultReadyTimeout() {
        return CpuTemplate.hostIsPvm() ? Duration.ofMinutes(5) : Duration.ofSeconds(30);
    }

    public static final class Builder {
        private String name = "sandbox";
        private Path kernel;
        private Path rootfs;
        private RootDirectory rootDirectory;
        private String rootfsType = "auto";
        private final List<Volume> volumes = new ArrayList<>();
        private final List<Bind> binds = new ArrayList<>();
        private Path scratch;
        private int cpus = 1;
        private long memoryMib = 256;
        private String hostname;
        private final List<String> env = new ArrayList<>();
        private List<PortForward> network;
        private String cmdline = "quiet";
        private OutputStream console;
        private Duration readyTimeout;
        private int networkSocket = -1;
        private JoinedNetwork joinedNetwork;
        private Runnable beforeGuestRuns;
        private RateLimit diskLimit, netRxLimit, netTxLimit;

        public Builder name(String v) {
            name = v;
            return this;
        }

        public Builder kernel(Path v) {
            kernel = v;
            return this;
        }

        public Builder rootfs(Path v) {
            rootfs = v;
            return this;
        }

        /**
         * A host directory as the root instead of a root image: read-write (what the workload writes
         * lands in {@code dir}), or read-only under a writable overlay (tmpfs, or the scratch drive).
         */
        public Builder rootDirectory(Path dir, boolean readOnly) {
            return rootDirectory(dir, readOnly, List.of());
        }

        /** A read-only root directory with {@code live} directories (see {@link RootDirectory}). */
        public Builder rootDirectory(Path dir, boolean readOnly, List<String> live) {
            rootDirectory = new RootDirectory(dir, readOnly, live);
            return this;
        }

        public Builder rootfsType(String v) {
            rootfsType = v;
            return this;
        }

        public Builder volume(Path image, String guestPath, boolean readOnly) {
            volumes.add(new Volume(image, guestPath, readOnly));
            return this;
        }
        /** Mounts host directory {@code hostDir} at {@code guestPath} through virtio-fs, read-only if asked. */
        public Builder bind(Path hostDir, String guestPath, boolean readOnly) {
            binds.add(new Bind(hostDir, guestPath, readOnly));
            return this;
        }

        public Builder scratch(Path v) {
            scratch = v;
            return this;
        }

        public Builder cpus(int v) {
            cpus = v;
            return this;
        }

        public Builder memoryMib(long v) {
            memoryMib = v;
            return this;
        }

        public Builder hostname(String v) {
            hostname = v;
            return this;
        }

        public Builder env(String keyValue) {
            env.add(keyValue);
            return this;
        }

        public Builder network(List<PortForward> forwards) {
            network = forwards;
            return this;
        }
        /** Extra kernel command line (default "quiet": the console is slow where kernel code is emulated). */
        public Builder cmdline(String v) {
            cmdline = v;
            return this;
        }

        public Builder console(OutputStream v) {
            console = v;
            return this;
        }

        public Builder readyTimeout(Duration v) {
            readyTimeout = v;
            return this;
        }
        /** The guest's network is {@code tap}, joined to a container engine's namespace, instead of passt. */
        public Builder joinedNetwork(JoinedNetwork tap) {
            joinedNetwork = tap;
            return this;
        }

        /** The network's passt was started by another process ({@link Sandbox#spawnNetwork}); this is its socket. */
        public Builder networkSocket(int fd) {
            networkSocket = fd;
            return this;
        }
        /** Limits each drive's bytes and requests per unit of time (null: unlimited); changeable later through {@code vm().drive(id)}. */
        public Builder diskLimit(RateLimit v) {
            diskLimit = v;
            return this;
        }
        /** Limits the network per direction (null: unlimited); changeable later through {@code vm().net()}. */
        public Builder networkLimits(RateLimit rx, RateLimit tx) {
            netRxLimit = rx;
            netTxLimit = tx;
            return this;
        }
        /** Runs after the VM is built and before the guest runs (see the record's doc). */
        public Builder beforeGuestRuns(Runnable v) {
            beforeGuestRuns = v;
            return this;
        }

        /** Throws IllegalArgumentException naming the bad setting. */
        public SandboxConfig build() {
            if (kernel == null) throw new IllegalArgumentException("sandbox: no kernel given");
            if (!Files.isRegularFile(kernel))
                throw new IllegalArgumentException("sandbox: kernel " + kernel + " is not a file");
            if (rootfs == null && rootDirectory == null)
                throw new IllegalArgumentException("sandbox: no root image or root directory given");
            if (rootfs != null && rootDirectory != null)
                throw new IllegalArgumentException("sandbox: a root image and a root directory are exclusive");
            if (rootfs != null && !Files.exists(rootfs))
                throw new IllegalArgumentException("sandbox: root image " + rootfs + " does not exist");
            if (rootDirectory != null && !Files.isDirectory(rootDirectory.dir()))
                throw new IllegalArgumentException("sandbox: root directory " + rootDirectory.dir()
                        + (Files.exists(rootDirectory.dir()) ? " is not a directory" : " does not exist"));
            if (rootDirectory != null
                    && !rootDirectory.readOnly()
                    && !rootDirectory.live().isEmpty())
                throw new IllegalArgumentException(
                        "sandbox: live directories need a read-only root directory (they are bound over its overlay)");
            if (rootDirectory != null && !rootDirectory.readOnly() && scratch != null)
                throw new IllegalArgumentException(
                        "sandbox: a scratch drive is the overlay's upper layer; a read-write root directory has none");
            if (!List.of("auto", "ext4", "erofs", "squashfs").contains(rootfsType))
                throw new IllegalArgumentException("sandbox: unknown root file system type \"" + rootfsType
                        + "\" (expected auto, ext4, erofs or squashfs)");
            for (Volume v : volumes) {
                if (!Files.exists(v.image()))
                    throw new IllegalArgumentException("sandbox: volume image " + v.image() + " does not exist");
            }
            for (Bind bd : binds) {
                if (!Files.exists(bd.hostDir()))
                    throw new IllegalArgumentException(
                            "sandbox: bind mount source " + bd.hostDir() + " does not exist");
                if (!Files.isDirectory(bd.hostDir()))
                    throw new IllegalArgumentException(
                            "sandbox: bind mount source " + bd.hostDir() + " is not a directory");
            }
            Set<String> targets = new HashSet<>();
            for (Volume v : volumes) {
                if (!targets.add(v.guestPath()))
                    throw new IllegalArgumentException("sandbox: two volumes are mounted at the same guest path");
            }
            for (Bind bd : binds) {
                if (!targets.add(bd.guestPath()))
                    throw new IllegalArgumentException("sandbox: guest path " + bd.guestPath() + " is given twice");
            }
            if (scratch != null && !Files.exists(scratch))
                throw new IllegalArgumentException("sandbox: scratch image " + scratch + " does not exist");
            if (networkSocket >= 0 && network == null)
                throw new IllegalArgumentException("sandbox: a network socket without a network");
            if (joinedNetwork != null && network != null)
                throw new IllegalArgumentException("sandbox: a joined network and passt's network at once");
            if (cpus < 1) throw new IllegalArgumentException("sandbox: cpus must be at least 1, got " + cpus);
            String host = hostname != null ? hostname : name;
            SandboxConfig c = new SandboxConfig(
                    name,
                    kernel,
                    rootfs,
                    rootDirectory,
                    rootfsType,
                    volumes,
                    binds,
                    scratch,
                    cpus,
                    memoryMib,
                    host,
                    env,
                    network,
                    cmdline,
                    console,
                    readyTimeout != null ? readyTimeout : defaultReadyTimeout(),
                    networkSocket,
                    diskLimit,
                    netRxLimit,
                    netTxLimit,
                    joinedNetwork,
                    beforeGuestRuns);
            Sandbox.agentConfig(c); // the agent's own checks (hostname, paths, env) fail here, not at start
            return c;
        }
    }
}
