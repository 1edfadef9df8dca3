package io.jvmm.runtime.state;

import io.jvmm.files.AtomicFiles;
import io.jvmm.files.FileTrees;
import io.jvmm.runtime.EngineException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The VM records under {@code data/vms}. Every change happens under the store lock (an exclusive
 * {@link FileChannel#lock} on {@code data/.lock}, plus an in-process lock because file locks are
 * per-process), so two {@code jvmm run --name x} racing cannot both get the name. Files are written to
 * a temporary file and renamed over, so a reader (which takes no lock) sees the old or the new record,
 * never half of one.
 *
 * <p>Errors are {@link EngineException}s with one-line messages.
 */
public final class VmStore {
    /** Names of VMs and volumes: {@code [a-zA-Z0-9][a-zA-Z0-9_.-]*}. */
    public static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    /** The error recorded for a VM whose process disappeared without recording an exit. */
    public static final String DIED = "the VM process died";

    private boolean swept;
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS_LOCKS = new ConcurrentHashMap<>();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final StateDirs dirs;

    public VmStore(StateDirs dirs) {
        this.dirs = Objects.requireNonNull(dirs, "dirs");
    }

    public StateDirs dirs() {
        return dirs;
    }

    /**
     * Deletes what a crashed command left: {@code .removing-*} directories (every removal renames aside
     * and deletes under the lock, so under the lock none is in progress) and {@code .creating-*} ones
     * whose creating process is gone ({@link #creatingDirName}). Called once per store, under the lock.
     */
    private void sweepLeftovers() {
        for (Path parent : List.of(dirs.vmsDataDir(), dirs.volumesDir())) {
            if (!Files.isDirectory(parent)) continue;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, ".{removing,creating}-*")) {
                for (Path d : ds) {
                    String n = d.getFileName().toString();
                    if (n.startsWith(".removing-") || !creatorAlive(n)) FileTrees.deleteQuietly(d);
                }
            } catch (IOException e) {
                // left for the next command to sweep
            }
        }
        AutoRemoval.sweep(dirs);
    }

    /**
     * {@code .creating-NAME-PID-STARTTIME-RANDOM}: a directory being filled outside the lock, named with
     * its creating process, so that a later sweep can tell an abandoned one from one in progress.
     */
    public static String creatingDirName(String name) {
        ProcessInfo.Id self = ProcessInfo.self();
        return ".creating-" + name + "-" + self.pid() + "-" + self.startTime() + "-"
                + Long.toHexString(RANDOM.nextLong());
    }

    private static boolean creatorAlive(String dirName) {
        String[] parts = dirName.split("-");
        if (parts.length < 5) return false;
        try {
            return ProcessInfo.isAlive(
                    Long.parseLong(parts[parts.length - 3]), Long.parseLong(parts[parts.length - 2]));
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Lock files kept open for the life of this process ({@link #holdLockFileOpen}). */
    private static final ConcurrentHashMap<Path, FileChannel> HELD_OPEN = new ConcurrentHashMap<>();

    /**
     * Keeps the store's lock file open from now on, for a process about to lose the right to open it
     * (a VM process that drops to another user still records how its VM ended).
     */
    public void holdLockFileOpen() {
        HELD_OPEN.computeIfAbsent(dirs.lockFile(), VmStore::openLockFile);
    }

    private static FileChannel openLockFile(Path lockFile) {
        try {
            return FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new EngineException(
                    EngineException.RUNTIME, "cannot open " + lockFile + ": " + StateDirs.describe(e), e);
        }
    }

    /**
     * Runs {@code action} holding the store lock (shared with {@link VolumeStore}); re-entrant within a
     * thread. Use it to make a check and a change atomic, e.g. "no running VM uses this volume, then
     * delete it".
     */
    public <T> T withLock(Supplier<T> action) {
        Path lockFile = dirs.lockFile();
        ReentrantLock local = IN_PROCESS_LOCKS.computeIfAbsent(lockFile, k -> new ReentrantLock());
        local.lock();
        try {
            if (local.getHoldCount() > 1) return action.get(); // this thread holds the file lock already
            FileChannel held = HELD_OPEN.get(lockFile);
            FileChannel ch;
            FileLock lock;
            if (held != null) {
                ch = held;
            } else {
                dirs.ensureDataDir();
                ch = openLockFile(lockFile);
            }
            try (FileChannel closed = held != null ? null : ch) {
                try {
                    lock = ch.lock();
                } catch (IOException e) {
                    throw new EngineException(
                            EngineException.RUNTIME, "cannot lock " + lockFile + ": " + StateDirs.describe(e), e);
                }
                try {
                    if (!swept) {
                        swept = true;
                        sweepLeftovers();
                    }
                    return action.get();
                } finally {
                    try {
                        lock.release();
                    } catch (IOException ignored) {
                        // closing the channel releases it anyway
                    }
                }
            } catch (IOException e) {
                throw new EngineException(
                        EngineException.RUNTIME, "cannot close " + lockFile + ": " + StateDirs.describe(e), e);
            }
        } finally {
            local.unlock();
        }
    }

    /**
     * Stores a new VM: assigns a random id (unless the draft has a valid unused one), a random
     * {@code adjective_surname} name when the draft has none, creates {@code data/vms/ID} with
     * {@code vm.json} and {@code runtime/vms/ID} (0700). Refuses a name that is invalid or in use.
     */
    public VmRecord create(VmRecord draft) {
        Objects.requireNonNull(draft, "draft");
        if (draft.name() != null) checkVmName(draft.name());
        if (draft.id() != null && !VmRecord.isFullId(draft.id())) {
            throw new IllegalArgumentException("draft id must be null or 64 lowercase hex digits: " + draft.id());
        }
        return withLock(() -> {
            List<VmRecord> all = list();
            String name = draft.name();
            if (name == null) {
                name = uniqueRandomName(usedNames(all));
            } else {
                for (VmRecord r : all) {
                    if (r.name().equals(name)) {
                        throw EngineException.usage("the name \"" + name + "\" is already used by VM " + r.shortId()
                                + " (remove it with 'jvmm rm " + name + "' or choose another --name)");
                    }
                }
                ContainerStore.checkNotAContainer(this, all, name);
            }
            String id = draft.id();
            if (id == null || Files.exists(dirs.vmDataDir(id)) || Files.exists(dirs.vmRunDir(id))) {
                do {
                    id = randomId();
                } while (Files.exists(dirs.vmDataDir(id)) || Files.exists(dirs.vmRunDir(id)));
            }
            VmRecord r = draft.withId(id)
                    .withName(name)
                    .withCreated(draft.created() != null ? draft.created() : Instant.now());
            Path dataDir = dirs.vmDataDir(id);
            try {
                Files.createDirectories(dirs.vmsDataDir());
                Files.createDirectory(dataDir);
            } catch (IOException e) {
                throw new EngineException(
                        EngineException.RUNTIME, "cannot create " + dataDir + ": " + StateDirs.describe(e), e);
            }
            try {
                write(r);
                dirs.ensureVmRunDir(id);
            } catch (RuntimeException e) {
                FileTrees.deleteQuietly(dataDir);
                FileTrees.deleteQuietly(dirs.vmRunDir(id));
                throw e;
            }
            return r;
        });
    }

    /**
     * Replaces the record {@code id} with {@code change.apply(current)}, under the lock. The id cannot
     * change; a changed name must be valid and free. Returns what was stored.
     */
    public VmRecord update(String id, UnaryOperator<VmRecord> change) {
        Objects.requireNonNull(change, "change");
        return withLock(() -> {
            VmRecord current = get(id);
            VmRecord next = Objects.requireNonNull(change.apply(current), "update returned null");
            if (!id.equals(next.id())) throw new IllegalArgumentException("update must not change the id of " + id);
            if (!next.name().equals(current.name())) {
                checkVmName(next.name());
                for (VmRecord r : list()) {
                    if (!r.id().equals(id) && r.name().equals(next.name())) {
                        throw EngineException.usage(
                                "the name \"" + next.name() + "\" is already used by VM " + r.shortId());
                    }
                }
            }
            if (!next.equals(current)) write(next);
            return next;
        });
    }

    /** The record with this full id, if there is one. */
    public Optional<VmRecord> find(String id) {
        if (!VmRecord.isFullId(id)) return Optional.empty();
        Path f = dirs.vmRecordFile(id);
        try {
            return Optional.of(read(f));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new EngineException(EngineException.RUNTIME, "cannot read " + f + ": " + StateDirs.describe(e), e);
        }
    }

    /** The record with this full id; {@code no such VM: ID} when there is none. */
    public VmRecord get(String id) {
        return find(id).orElseThrow(() -> EngineException.runtime("no such VM: " + id));
    }

    /**
     * Every record, newest first. Directories without a readable {@code vm.json} (a create that
     * crashed half-way, a file damaged by hand) are skipped here and listed by {@link #broken()}.
     */
    public List<VmRecord> list() {
        List<VmRecord> out = new ArrayList<>(scan().records());
        out.sort(Comparator.comparing(VmRecord::created, Comparator.nullsLast(Comparator.reverseOrder()))
                .thenComparing(VmRecord::id));
        return out;
    }

    /** What one pass over {@code data/vms} found: the readable records and the broken directories. */
    private record Scan(List<VmRecord> records, List<Broken> broken) {}

    private Scan scan() {
        Path vms = dirs.vmsDataDir();
        List<VmRecord> records = new ArrayList<>();
        List<Broken> broken = new ArrayList<>();
        if (!Files.isDirectory(vms)) return new Scan(records, broken);
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(vms)) {
            for (Path d : ds) {
                String n = d.getFileName().toString();
                if (!VmRecord.isFullId(n) || AutoRemoval.marked(d)) continue;
                try {
                    VmRecord r = read(d.resolve("vm.json"));
                    if (n.equals(r.id())) records.add(r);
                    else broken.add(new Broken(n, "vm.json names another VM (" + r.id() + ")"));
                } catch (NoSuchFileException e) {
                    broken.add(new Broken(n, "vm.json is missing"));
                } catch (IOException | RuntimeException e) {
                    broken.add(new Broken(n, "vm.json cannot be read: " + oneLine(e)));
                }
            }
        } catch (IOException e) {
            throw new EngineException(EngineException.RUNTIME, "cannot list " + vms + ": " + StateDirs.describe(e), e);
        }
        return new Scan(records, broken);
    }

    /**
     * The VM {@code ref} names: an exact name, else an exact id, else the only id starting with
     * {@code ref}. Errors: {@code no such VM: REF}, {@code ambiguous VM id prefix "ab": matches ...}.
     */
    public VmRecord resolve(String ref) {
        if (ref == null || ref.isEmpty()) throw EngineException.usage("a VM name or id is empty");
        List<VmRecord> all = list();
        for (VmRecord r : all) if (r.name().equals(ref)) return r;
        for (VmRecord r : all) if (r.id().equals(ref)) return r;
        List<VmRecord> matches =
                all.stream().filter(r -> r.id().startsWith(ref)).toList();
        if (matches.size() == 1) return matches.getFirst();
        if (matches.isEmpty()) throw EngineException.runtime("no such VM: " + ref);
        throw EngineException.runtime("ambiguous VM id prefix \"" + ref + "\": matches "
                + matches.stream().map(VmRecord::shortId).sorted().collect(Collectors.joining(", ")));
    }

    /** True when the record names a VM process that is alive (pid alive with the recorded start time). */
    public static boolean processAlive(VmRecord r) {
        VmRecord.State s = r.state();
        return s.pid() > 0 && ProcessInfo.isAlive(s.pid(), s.pidStartTime());
    }

    /**
     * The status to show: a RUNNING (or started CREATED) record whose VM process is gone, or whose pid
     * now belongs to another process, is EXITED. A CREATED record without a pid stays CREATED.
     */
    public static VmRecord.Status effectiveStatus(VmRecord r) {
        VmRecord.State s = r.state();
        return switch (s.status()) {
            case EXITED -> VmRecord.Status.EXITED;
            case RUNNING -> processAlive(r) ? VmRecord.Status.RUNNING : VmRecord.Status.EXITED;
            case CREATED -> s.pid() <= 0 || processAlive(r) ? VmRecord.Status.CREATED : VmRecord.Status.EXITED;
        };
    }

    /**
     * {@code r} with its state made true: when {@link #effectiveStatus} says EXITED but the record does
     * not, the stored record is updated to EXITED with error {@value #DIED} (finishedAt = now, exit code
     * unknown), unless the VM process recorded its exit in the meantime. Never fails: when the record
     * cannot be written (or was removed meanwhile) the corrected copy is returned without storing it.
     */
    public VmRecord refresh(VmRecord r) {
        if (r.state().status() == VmRecord.Status.EXITED || effectiveStatus(r) != VmRecord.Status.EXITED) return r;
        VmRecord dead = r.withState(r.state().exited(Instant.now(), null, DIED));
        try {
            return update(r.id(), cur -> {
                VmRecord.State s = cur.state();
                boolean same = s.pid() == r.state().pid()
                        && s.pidStartTime() == r.state().pidStartTime();
                if (s.status() == VmRecord.Status.EXITED || !same || effectiveStatus(cur) != VmRecord.Status.EXITED)
                    return cur;
                return cur.withState(s.exited(Instant.now(), null, DIED));
            });
        } catch (EngineException e) {
            return dead;
        }
    }

    /** A VM directory whose {@code vm.json} cannot be read: {@code ps} shows it, {@code rm -f} removes it. */
    public record Broken(String id, String problem) {
        /** The first 12 characters of the id, as {@code ps} shows it. */
        public String shortId() {
            return id.substring(0, 12);
        }
    }

    /** Every VM directory whose record is missing, unreadable or names another id, by id. */
    public List<Broken> broken() {
        List<Broken> out = new ArrayList<>(scan().broken());
        out.sort(Comparator.comparing(Broken::id));
        return out;
    }

    private static String oneLine(Exception e) {
        String m = e instanceof IOException io ? StateDirs.describe(io) : String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }

    /** The broken entry {@code ref} names (its full id or a unique id prefix), if any. */
    public Optional<Broken> findBroken(String ref) {
        if (ref == null || ref.isEmpty()) return Optional.empty();
        List<Broken> matches =
                broken().stream().filter(b -> b.id().startsWith(ref)).toList();
        return matches.size() == 1 ? Optional.of(matches.getFirst()) : Optional.empty();
    }

    /**
     * Deletes every file of VM {@code id}: {@code data/vms/ID}, {@code runtime/vms/ID} and its temporary directory. Does not look
     * at the VM process: stop or kill it first. The record disappears atomically (the directory is
     * renamed aside, then deleted).
     */
    public void remove(String id) {
        if (!VmRecord.isFullId(id)) throw EngineException.runtime("no such VM: " + id);
        withLock(() -> {
            Path dataDir = dirs.vmDataDir(id);
            if (Files.exists(dataDir)) {
                Path trash = dirs.vmsDataDir().resolve(".removing-" + id + "-" + Long.toHexString(RANDOM.nextLong()));
                try {
                    Files.move(dataDir, trash, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    throw new EngineException(
                            EngineException.RUNTIME, "cannot remove " + dataDir + ": " + StateDirs.describe(e), e);
                }
                deleteTreeOrThrow(trash);
            }
            deleteTreeOrThrow(dirs.vmRunDir(id));
            deleteTreeOrThrow(dirs.vmTempDir(id));
            return null;
        });
    }

    /** Checks a VM name: non-empty, {@code [a-zA-Z0-9][a-zA-Z0-9_.-]*}, at most 128 characters. */
    public static String checkVmName(String name) {
        if (name == null || name.isEmpty()) throw EngineException.usage("a VM name cannot be empty");
        if (name.length() > 128 || !NAME.matcher(name).matches()) {
            throw EngineException.usage("invalid VM name \"" + name + "\": use letters, digits, '_', '.' and '-',"
                    + " starting with a letter or digit (at most 128 characters)");
        }
        return name;
    }

    /** The names of the VMs {@code all} and of their pods' containers: one namespace, as docker's. */
    Set<String> usedNames(List<VmRecord> all) {
        Set<String> used = all.stream().map(VmRecord::name).collect(Collectors.toCollection(HashSet::new));
        ContainerStore containers = new ContainerStore(this);
        for (VmRecord r : all) {
            if (r.pod()) containers.list(r.id()).forEach(c -> used.add(c.name()));
        }
        return used;
    }

    /** A random {@code adjective_surname} not in {@code used}. */
    static String uniqueRandomName(Set<String> used) {
        for (int i = 0; i < 1000; i++) {
            String n = NameGenerator.next(RANDOM);
            if (!used.contains(n)) return n;
        }
        for (int i = 2; ; i++) {
            String n = NameGenerator.next(RANDOM) + i;
            if (!used.contains(n)) return n;
        }
    }

    static String randomId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static VmRecord read(Path file) throws IOException {
        return StateJson.mapper().readValue(Files.readAllBytes(file), VmRecord.class);
    }

    private void write(VmRecord r) {
        Path target = dirs.vmRecordFile(r.id());
        byte[] json;
        try {
            json = StateJson.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(r);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize " + r, e);
        }
        writeAtomically(target, json);
    }

    /**
     * Writes {@code bytes} to {@code target} through a temporary file in the same directory, synced
     * and renamed over the target: readers see the old or the new contents, never a mix.
     */
    static void writeAtomically(Path target, byte[] bytes) {
        try {
            AtomicFiles.replace(target, bytes);
        } catch (IOException e) {
            throw new EngineException(
                    EngineException.RUNTIME, "cannot write " + target + ": " + StateDirs.describe(e), e);
        }
    }

    static void deleteTreeOrThrow(Path root) {
        try {
            FileTrees.delete(root);
        } catch (IOException e) {
            throw new EngineException(
                    EngineException.RUNTIME, "cannot delete " + root + ": " + StateDirs.describe(e), e);
        }
    }
}
