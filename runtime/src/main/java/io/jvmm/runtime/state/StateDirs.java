package io.jvmm.runtime.state;

import io.jvmm.runtime.EngineException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Where jvmm keeps its state. Two roots: the <em>data</em> directory (records, logs, volume images;
 * survives reboots) and the <em>runtime</em> directory (sockets; may be a tmpfs).
 *
 * <pre>
 * JVMM_HOME set:   data = $JVMM_HOME/lib              runtime = $JVMM_HOME/run
 * root (uid 0):    data = /var/lib/jvmm               runtime = /run/jvmm
 * other users:     data = $XDG_DATA_HOME/jvmm         runtime = $XDG_RUNTIME_DIR/jvmm
 *                  (default ~/.local/share/jvmm)      (default /tmp/jvmm-UID, mode 0700)
 *
 * data/.lock                      the store lock (VmStore, VolumeStore)
 * data/vms/ID/vm.json             VmRecord
 * data/vms/ID/workload.log        the workload's output (detached VMs)
 * data/vms/ID/console.log         the guest serial console
 * runtime/vms/ID/ctl.sock         the VM process's control socket (and other sockets)
 * data/volumes/NAME/volume.ext4   a named volume's image
 * data/volumes/NAME/volume.json   its metadata
 * data/images/                    the OCI image store (ContentStore: blobs/, images/, tmp/, lock)
 * data/images/rootfs/HEX.erofs    root image built from an image's layers, keyed by its manifest digest
 * </pre>
 *
 * {@link #fromEnvironment()} is what the CLI uses; the system property {@code jvmm.state.home} takes
 * precedence over {@code JVMM_HOME} (for tests and embedding), and {@code jvmm.state.data} with
 * {@code jvmm.state.runtime} over both (what the engine passes to the processes it starts). Nothing is created until asked for.
 */
public final class StateDirs {
    /** System property that overrides {@code JVMM_HOME}, for tests and embedding. */
    public static final String HOME_PROPERTY = "jvmm.state.home";

    /**
     * System properties naming the data and runtime directories themselves; they take precedence over
     * everything, and are how the engine hands its own directories to the processes it starts.
     */
    public static final String DATA_PROPERTY = "jvmm.state.data", RUNTIME_PROPERTY = "jvmm.state.runtime";

    private final Path data;
    private final Path runtime;
    private final boolean privateRuntime; // /tmp/jvmm-UID: must be ours and 0700

    /** State dirs from {@code env} as the process's real uid sees them. */
    public StateDirs(Map<String, String> env) {
        this(env, currentUid());
    }

    /** State dirs from {@code env} for {@code uid} (tests use it to check the non-root layout). */
    public StateDirs(Map<String, String> env, int uid) {
        Objects.requireNonNull(env, "env");
        String home = nonBlank(env.get("JVMM_HOME"));
        if (home != null) {
            Path h = absolute(home);
            data = h.resolve("lib");
            runtime = h.resolve("run");
            privateRuntime = false;
        } else if (uid == 0) {
            data = Path.of("/var/lib/jvmm");
            runtime = Path.of("/run/jvmm");
            privateRuntime = false;
        } else {
            String xdgData = nonBlank(env.get("XDG_DATA_HOME"));
            String userHome = nonBlank(env.get("HOME"));
            if (userHome == null) userHome = System.getProperty("user.home");
            data = (xdgData != null ? absolute(xdgData) : absolute(userHome).resolve(".local/share")).resolve("jvmm");
            String xdgRun = nonBlank(env.get("XDG_RUNTIME_DIR"));
            runtime = xdgRun != null ? absolute(xdgRun).resolve("jvmm") : Path.of("/tmp/jvmm-" + uid);
            privateRuntime = xdgRun == null;
        }
    }

    /** Explicit roots (embedding). */
    public StateDirs(Path data, Path runtime) {
        this.data = data.toAbsolutePath().normalize();
        this.runtime = runtime.toAbsolutePath().normalize();
        this.privateRuntime = false;
    }

    /**
     * The dirs the CLI uses: {@code -Djvmm.state.home=DIR} if set (same layout as {@code JVMM_HOME}), else
     * the process environment.
     */
    public static StateDirs fromEnvironment() {
        String data = nonBlank(System.getProperty(DATA_PROPERTY)),
                runtime = nonBlank(System.getProperty(RUNTIME_PROPERTY));
        if (data != null && runtime != null) return new StateDirs(Path.of(data), Path.of(runtime));
        String prop = nonBlank(System.getProperty(HOME_PROPERTY));
        if (prop != null) return new StateDirs(Map.of("JVMM_HOME", prop));
        return new StateDirs(System.getenv());
    }

    public Path dataDir() {
        return data;
    }

    /** {@code -D} options that make {@link #fromEnvironment()} in a child JVM give these directories. */
    public List<String> asJvmOptions() {
        return List.of("-D" + DATA_PROPERTY + "=" + data, "-D" + RUNTIME_PROPERTY + "=" + runtime);
    }

    public Path runtimeDir() {
        return runtime;
    }

    /** The store lock file, {@code data/.lock}. */
    public Path lockFile() {
        return data.resolve(".lock");
    }

    public Path vmsDataDir() {
        return data.resolve("vms");
    }

    public Path vmsRunDir() {
        return runtime.resolve("vms");
    }

    /** {@code data/vms/ID}: vm.json, workload.log, console.log. */
    public Path vmDataDir(String id) {
        return vmsDataDir().resolve(checkId(id));
    }

    /** {@code runtime/vms/SHORT_ID} (the first 12 hex digits, unique among VMs): ctl.sock; short because Unix socket paths are limited to 107 bytes. */
    public Path vmRunDir(String id) {
        return vmsRunDir().resolve(checkId(id).substring(0, 12));
    }

    public Path vmRecordFile(String id) {
        return vmDataDir(id).resolve("vm.json");
    }

    public Path workloadLog(String id) {
        return vmDataDir(id).resolve("workload.log");
    }

    public Path consoleLog(String id) {
        return vmDataDir(id).resolve("console.log");
    }

    public Path controlSocket(String id) {
        return vmRunDir(id).resolve("ctl.sock");
    }

    /** {@code data/vms/ID/share}: a pod's root in the guest (read-only), where its containers' root images are placed. */
    public Path podShareDir(String id) {
        return vmDataDir(id).resolve("share");
    }

    /** {@code data/vms/ID/containers}: a pod's container records, one {@code NAME.json} each. */
    public Path podContainersDir(String id) {
        return vmDataDir(id).resolve("containers");
    }

    public Path volumesDir() {
        return data.resolve("volumes");
    }

    /** {@code data/volumes/NAME}; the name must already be valid ({@link VolumeStore#checkName}). */
    public Path volumeDir(String name) {
        return volumesDir().resolve(VolumeStore.checkName(name));
    }

    public Path volumeImage(String name) {
        return volumeDir(name).resolve("volume.ext4");
    }

    public Path volumeRecordFile(String name) {
        return volumeDir(name).resolve("volume.json");
    }

    /** {@code data/images}: the OCI image store's root (an {@code ContentStore}). */
    public Path imagesDir() {
        return data.resolve("images");
    }

    /** {@code data/images/rootfs}: root images built from OCI images, one per manifest digest. */
    public Path rootfsCacheDir() {
        return imagesDir().resolve("rootfs");
    }

    /** {@code data/images/rootfs/HEX.erofs} for the manifest digest {@code sha256:HEX}. */
    public Path rootfsCacheFile(String manifestDigestHex) {
        if (manifestDigestHex == null || !manifestDigestHex.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("not a sha256 hex digest: " + manifestDigestHex);
        }
        return rootfsCacheDir().resolve(manifestDigestHex + ".erofs");
    }

    /** Creates the data directory if missing. */
    public Path ensureDataDir() {
        return createDirs(data, false);
    }

    /**
     * Creates the runtime directory if missing. The per-user default under /tmp is created 0700 and
     * refused when it exists but belongs to someone else or is group/world accessible.
     */
    public Path ensureRuntimeDir() {
        return createDirs(runtime, privateRuntime);
    }

    /** The VM process's temporary directory ({@code runtime/tmp/SHORT_ID}), private to its owner. */
    public Path vmTempDir(String id) {
        return runtime.resolve("tmp").resolve(checkId(id).substring(0, 12));
    }

    /** Creates {@link #vmTempDir}. */
    public Path ensureVmTempDir(String id) {
        ensureRuntimeDir();
        return createDirs(vmTempDir(id), true);
    }

    /** Creates {@code runtime/vms/ID}, 0700. */
    public Path ensureVmRunDir(String id) {
        ensureRuntimeDir();
        return createDirs(vmRunDir(id), true);
    }

    private static Path createDirs(Path dir, boolean private0700) {
        try {
            if (private0700) {
                if (dir.getParent() != null) Files.createDirectories(dir.getParent());
                try {
                    Files.createDirectory(
                            dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                    // umask may have removed bits we want; never adds any, so 0700 or less.
                    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
                } catch (FileAlreadyExistsException e) {
                    checkPrivate(dir);
                }
            } else {
                Files.createDirectories(dir);
            }
            return dir;
        } catch (IOException e) {
            throw new EngineException(EngineException.RUNTIME, "cannot create " + dir + ": " + describe(e), e);
        }
    }

    private static void checkPrivate(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw EngineException.runtime(dir + " exists and is not a directory");
        }
        int owner = (Integer) Files.getAttribute(dir, "unix:uid", LinkOption.NOFOLLOW_LINKS);
        if (owner != currentUid()) {
            throw EngineException.runtime(
                    dir + " belongs to uid " + owner + ", not to you; remove it or set XDG_RUNTIME_DIR");
        }
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (p.stream().anyMatch(x -> x.name().startsWith("GROUP") || x.name().startsWith("OTHERS"))) {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /** The real uid of this process. */
    public static int currentUid() {
        try {
            return (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name")) ? 0 : -1;
        }
    }

    public static String describe(IOException e) {
        String m = e.getMessage();
        String kind = e.getClass().getSimpleName();
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof NoSuchFileException) return "no such file or directory";
        if (e instanceof NotDirectoryException) return "not a directory";
        if (e instanceof FileSystemException fse && fse.getReason() != null) return fse.getReason();
        return m == null ? kind : m;
    }

    private static String checkId(String id) {
        if (!VmRecord.isFullId(id)) throw new IllegalArgumentException("not a VM id: " + id);
        return id;
    }

    private static String nonBlank(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static Path absolute(String s) {
        return Path.of(s).toAbsolutePath().normalize();
    }

    @Override
    public String toString() {
        return "StateDirs[data=" + data + ", runtime=" + runtime + "]";
    }
}
