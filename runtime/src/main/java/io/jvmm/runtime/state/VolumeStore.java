package io.jvmm.runtime.state;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.jvmm.files.FileTrees;
import io.jvmm.files.PathLock;
import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import io.jvmm.runtime.EngineException;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Named volumes: {@code data/volumes/NAME/volume.ext4} (a sparse raw image with an ext4 file system,
 * attached to a VM as a virtio-blk drive) and {@code volume.json} (name, creation time, size). Changes
 * happen under the {@link VmStore} lock. {@link MountSpecs} turns {@code run -v} specs into mounts.
 */
public final class VolumeStore {
    public static final long DEFAULT_SIZE_MIB = 1024;
    /** 16 TiB: ext4 with 4 KiB blocks and default features allows this. */
    public static final long MAX_SIZE_MIB = 16L << 20;

    public static final String DRIVER = "raw-ext4";

    /**
     * A volume.
     *
     * @param image the raw image file (what {@code inspect} calls the Mountpoint)
     */
    public record Volume(String name, Instant createdAt, long sizeMib, Path image) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    record Meta(String name, Instant createdAt, long sizeMib) {}

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final List<String> SBIN = List.of("/usr/local/sbin", "/usr/sbin", "/sbin");

    private final StateDirs dirs;
    private final VmStore vms;
    private final String mkfs;

    public VolumeStore(StateDirs dirs, VmStore vms) {
        this(dirs, vms, null);
    }

    /**
     * @param mkfsCommand the mkfs.ext4 to run, or null to find {@code mkfs.ext4} on PATH and in the sbin
     *                    directories (tests pass a missing or failing program)
     */
    public VolumeStore(StateDirs dirs, VmStore vms, String mkfsCommand) {
        this.dirs = Objects.requireNonNull(dirs, "dirs");
        this.vms = Objects.requireNonNull(vms, "vms");
        this.mkfs = mkfsCommand;
    }

    /** Checks a volume name: {@code [a-zA-Z0-9][a-zA-Z0-9_.-]*}, at most 128 characters. Returns it. */
    public static String checkName(String name) {
        if (name == null || name.isEmpty()) throw EngineException.usage("a volume name cannot be empty");
        if (name.length() > 128 || !VmStore.NAME.matcher(name).matches()) {
            throw EngineException.usage("invalid volume name \"" + name + "\": use letters, digits, '_', '.' and '-',"
                    + " starting with a letter or digit (at most 128 characters)");
        }
        return name;
    }

    public Volume create(String name) {
        return create(name, DEFAULT_SIZE_MIB);
    }

    /**
     * Creates volume {@code name}: a sparse {@code sizeMib} MiB file formatted with
     * {@code mkfs.ext4 -q -F -L NAME -E root_owner=0:0}. Nothing is left behind when it fails.
     */
    public Volume create(String name, long sizeMib) {
        checkName(name);
        if (sizeMib < 1 || sizeMib > MAX_SIZE_MIB) {
            throw EngineException.usage(
                    "invalid volume size " + sizeMib + " MiB: must be between 1 and " + MAX_SIZE_MIB);
        }
        if (Files.exists(dirs.volumeDir(name))) throw alreadyExists(name);
        String mkfsPath = findMkfs();
        dirs.ensureDataDir();
        Path tmpDir = dirs.volumesDir().resolve(VmStore.creatingDirName(name));
        try {
            Files.createDirectories(tmpDir);
            Path image = tmpDir.resolve("volume.ext4");
            try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                f.setLength(sizeMib << 20); // sparse
            } catch (IOException e) {
                throw new EngineException(
                        EngineException.RUNTIME, "cannot create " + image + ": " + StateDirs.describe(e), e);
            }
            runMkfs(mkfsPath, name, image);
            Instant now = Instant.now();
            VmStore.writeAtomically(tmpDir.resolve("volume.json"), json(new Meta(name, now, sizeMib)));
            return vms.withLock(() -> {
                Path dir = dirs.volumeDir(name);
                if (Files.exists(dir)) throw alreadyExists(name);
                try {
                    Files.move(tmpDir, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    throw new EngineException(
                            EngineException.RUNTIME, "cannot create " + dir + ": " + StateDirs.describe(e), e);
                }
                return new Volume(name, now, sizeMib, dir.resolve("volume.ext4"));
            });
        } catch (IOException e) {
            throw new EngineException(
                    EngineException.RUNTIME, "cannot create " + tmpDir + ": " + StateDirs.describe(e), e);
        } finally {
            FileTrees.deleteQuietly(tmpDir);
        }
    }

    /** Every volume, by name. */
    public List<Volume> list() {
        Path root = dirs.volumesDir();
        if (!Files.isDirectory(root)) return List.of();
        List<Volume> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path d : ds) {
                String n = d.getFileName().toString();
                if (!VmStore.NAME.matcher(n).matches()) continue;
                read(n).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new EngineException(EngineException.RUNTIME, "cannot list " + root + ": " + StateDirs.describe(e), e);
        }
        out.sort(Comparator.comparing(Volume::name));
        return out;
    }

    /** The volume {@code name}, if it exists. */
    public Optional<Volume> find(String name) {
        checkName(name);
        return read(name);
    }

    /** The volume {@code name}; {@code no such volume: NAME} when it does not exist. */
    public Volume get(String name) {
        return find(name).orElseThrow(() -> EngineException.runtime("no such volume: " + name));
    }

    /** What {@code jvmm volume inspect} prints for {@code name}, docker's keys and order. */
    public Map<String, Object> inspect(String name) {
        Volume v = get(name);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("CreatedAt", v.createdAt() == null ? null : v.createdAt().toString());
        m.put("Driver", DRIVER);
        m.put("Labels", Map.of());
        m.put("Mountpoint", v.image().toString());
        m.put("Name", v.name());
        m.put("Options", Map.of());
        m.put("Scope", "local");
        m.put("Size", v.sizeMib() << 20);
        m.put("SizeMiB", v.sizeMib());
        m.put("UsedBy", usersOf(name).stream().map(VmRecord::name).toList());
        return m;
    }

    /** The VM records that name volume {@code name} in their volumes (running or not). */
    public List<VmRecord> usersOf(String name) {
        return vms.list().stream()
                .filter(r -> r.volumes().stream()
                        .anyMatch(m -> m.named() && m.source().equals(name)))
                .toList();
    }

    /**
     * Deletes volume {@code name}. Refuses when a VM whose process is alive references it
     * ({@code volume "data" is in use by VM web (3f2a9c1b07de)}) or when its image is locked by another
     * process (a VM's RawImage holds a flock on its drives).
     */
    public void remove(String name) {
        checkName(name);
        vms.withLock(() -> {
            Volume v = get(name);
            for (VmRecord r : usersOf(name)) {
                if (VmStore.processAlive(r)) {
                    throw EngineException.runtime(
                            "volume \"" + name + "\" is in use by VM " + r.name() + " (" + r.shortId() + ")");
                }
            }
            deleteUnlessLocked(v, true);
            return null;
        });
    }

    /**
     * Deletes every volume that no VM record references (running or not, like docker's unused), except
     * those whose image another process has locked. Returns the names deleted.
     */
    public List<String> prune() {
        return vms.withLock(() -> {
            Set<String> used = new HashSet<>();
            for (VmRecord r : vms.list()) for (VmRecord.Mount m : r.volumes()) if (m.named()) used.add(m.source());
            List<String> removed = new ArrayList<>();
            for (Volume v : list()) {
                if (used.contains(v.name())) continue;
                if (deleteUnlessLocked(v, false)) removed.add(v.name());
            }
            return removed;
        });
    }

    /** True when another process holds a lock (flock or fcntl) on volume {@code name}'s image. */
    public boolean isLocked(String name) {
        Path image = dirs.volumeImage(checkName(name));
        try (Probe p = Probe.lock(image)) {
            return p == null;
        }
    }

    private Optional<Volume> read(String name) {
        Path dir = dirs.volumeDir(name);
        Path image = dir.resolve("volume.ext4");
        if (!Files.isRegularFile(image)) return Optional.empty();
        try {
            Meta m = StateJson.mapper().readValue(Files.readAllBytes(dir.resolve("volume.json")), Meta.class);
            return Optional.of(new Volume(name, m.createdAt(), m.sizeMib(), image));
        } catch (IOException | RuntimeException e) {
            // No or damaged volume.json: describe the image itself.
            try {
                FileTime t = Files.getLastModifiedTime(image);
                return Optional.of(new Volume(name, t.toInstant(), Files.size(image) >> 20, image));
            } catch (IOException e2) {
                return Optional.empty();
            }
        }
    }

    /** Deletes {@code v} while holding its lock; returns false (or throws when {@code fail}) if locked. */
    private boolean deleteUnlessLocked(Volume v, boolean fail) {
        try (Probe p = Probe.lock(v.image())) {
            if (p == null) {
                if (!fail) return false;
                throw EngineException.runtime("volume \"" + v.name() + "\" is in use (its image " + v.image()
                        + " is locked by another process)");
            }
            Path dir = dirs.volumeDir(v.name());
            Path trash = dirs.volumesDir().resolve(".removing-" + v.name() + "-" + Long.toHexString(RANDOM.nextLong()));
            try {
                Files.move(dir, trash, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new EngineException(
                        EngineException.RUNTIME, "cannot remove " + dir + ": " + StateDirs.describe(e), e);
            }
            VmStore.deleteTreeOrThrow(trash);
            return true;
        }
    }

    private String findMkfs() {
        if (mkfs != null) {
            if (mkfs.contains("/") && !Files.isExecutable(Path.of(mkfs))) throw mkfsMissing();
            return mkfs;
        }
        List<String> path = new ArrayList<>();
        String env = System.getenv("PATH");
        if (env != null) for (String d : env.split(":")) if (!d.isEmpty()) path.add(d);
        path.addAll(SBIN);
        for (String d : path) {
            Path p = Path.of(d, "mkfs.ext4");
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p.toString();
        }
        throw mkfsMissing();
    }

    private static EngineException mkfsMissing() {
        return EngineException.runtime(
                "mkfs.ext4 not found: volumes need e2fsprogs (apt-get install e2fsprogs, dnf install e2fsprogs)");
    }

    private static void runMkfs(String mkfsPath, String name, Path image) {
        String label = name.length() > 16 ? name.substring(0, 16) : name; // ext4 labels are at most 16 bytes
        ProcessBuilder pb = new ProcessBuilder(
                        mkfsPath, "-q", "-F", "-L", label, "-E", "root_owner=0:0", image.toString())
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw mkfsMissing();
        }
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            in.transferTo(output);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw EngineException.runtime(mkfsPath + " did not finish in 10 minutes");
            }
        } catch (IOException e) {
            p.destroyForcibly();
            throw new EngineException(
                    EngineException.RUNTIME, "cannot run " + mkfsPath + ": " + StateDirs.describe(e), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw EngineException.runtime("interrupted while running " + mkfsPath);
        }
        if (p.exitValue() != 0) {
            String first = output.toString(StandardCharsets.UTF_8)
                    .strip()
                    .lines()
                    .filter(l -> !l.isBlank())
                    .findFirst()
                    .orElse("no output");
            throw EngineException.runtime(
                    Path.of(mkfsPath).getFileName() + " failed (exit " + p.exitValue() + "): " + first);
        }
    }

    private static byte[] json(Object o) {
        try {
            return StateJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static EngineException alreadyExists(String name) {
        return EngineException.usage("volume \"" + name + "\" already exists");
    }

    /**
     * An exclusive lock on an image, taken the way a VM would conflict with it: flock(2) (what jvmm's
     * RawImage takes) and an fcntl lock ({@link PathLock}; what other programs may take). Locks are
     * independent on Linux, so both are tried. {@link #lock} returns null when either is held elsewhere.
     */
    private static final class Probe implements AutoCloseable {
        private final int fd;
        private final PathLock.Held held;

        private Probe(int fd, PathLock.Held held) {
            this.fd = fd;
            this.held = held;
        }

        static Probe lock(Path image) {
            int fd = -1;
            try {
                fd = Libc.open(image.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
                Libc.flock(fd, Libc.LOCK_EX | Libc.LOCK_NB);
            } catch (NativeException e) {
                if (fd >= 0) Libc.close(fd);
                if (e.errno() == Errno.EAGAIN) return null;
                if (e.errno() == Errno.ENOENT) return new Probe(-1, null);
                throw EngineException.runtime("cannot lock " + image + ": " + Errno.describe(e.errno()));
            } catch (LinkageError e) {
                fd = -1; // no native access: rely on the fcntl lock below
            }
            try {
                PathLock.Held held = PathLock.onExisting(image).tryExclusive();
                if (held == null) {
                    if (fd >= 0) Libc.close(fd);
                    return null;
                }
                return new Probe(fd, held);
            } catch (IOException e) {
                // gone, read-only or no permission: the flock alone decides
                return new Probe(fd, null);
            }
        }

        @Override
        public void close() {
            if (held != null) held.close();
            if (fd >= 0) Libc.close(fd);
        }
    }
}
