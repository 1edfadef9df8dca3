package io.jvmm.runtime.state;

import io.jvmm.files.FileTrees;
import io.jvmm.runtime.EngineException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * How a VM that asked for it ({@code --rm}) goes when it exits: removed by its own VM process, or, when
 * that process was killed first, by whoever notices (a later command). A confined VM process may not
 * remove directories (Landlock refuses it their parents, seccomp the rmdir call), so it renames its
 * record to {@value #MARKER} (from then on the VM is gone: {@link VmStore#list()} skips it) and deletes
 * the files; the empty directories go in the next command's sweep, under the store lock.
 */
public final class AutoRemoval {
    /** What a confined VM process leaves in its data directory in place of {@code vm.json}. */
    static final String MARKER = ".removed";

    private AutoRemoval() {}

    /** Removes VM {@code id} from the VM process that ran it, once the VM has ended ({@code confined}: as above). */
    public static void byVmProcess(VmStore store, String id, boolean confined) {
        if (!confined) {
            store.remove(id);
            return;
        }
        StateDirs dirs = store.dirs();
        store.withLock(() -> {
            Path data = dirs.vmDataDir(id);
            try {
                Files.move(dirs.vmRecordFile(id), data.resolve(MARKER), StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new EngineException(
                        EngineException.RUNTIME, "cannot remove " + data + ": " + StateDirs.describe(e), e);
            }
            for (Path d : List.of(data, dirs.vmRunDir(id), dirs.vmTempDir(id))) deleteFilesIn(d);
            return null;
        });
    }

    /**
     * Removes {@code r} when it asked for it and its VM process is gone without having done so itself
     * (killed); true when it did. For whoever notices the exit ({@code ps}, {@code stop}).
     */
    public static boolean ifProcessGone(VmStore store, VmRecord r) {
        if (!r.autoRemove() || VmStore.processAlive(r) || VmStore.effectiveStatus(r) != VmRecord.Status.EXITED)
            return false;
        try {
            store.remove(r.id());
            return true;
        } catch (EngineException e) {
            return false;
        }
    }

    /** Whether the VM directory {@code vmDataDir} is what a confined VM process left of its VM. */
    static boolean marked(Path vmDataDir) {
        return Files.exists(vmDataDir.resolve(MARKER));
    }

    /** Deletes what confined VM processes left (their marked directories); under the store lock. */
    static void sweep(StateDirs dirs) {
        if (!Files.isDirectory(dirs.vmsDataDir())) return;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dirs.vmsDataDir())) {
            for (Path d : ds) {
                String id = d.getFileName().toString();
                if (!VmRecord.isFullId(id) || !marked(d)) continue;
                FileTrees.deleteQuietly(dirs.vmRunDir(id));
                FileTrees.deleteQuietly(dirs.vmTempDir(id));
                FileTrees.deleteQuietly(d);
            }
        } catch (IOException e) {
            // left for the next command to sweep
        }
    }

    /** Deletes the files beneath {@code dir}, but not the marker or any directory. */
    private static void deleteFilesIn(Path dir) {
        if (!Files.isDirectory(dir)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.toList()) {
                if (p.getFileName().toString().equals(MARKER) || Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                    continue;
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException e) {
            // what is left goes in the next sweep
        }
    }
}
