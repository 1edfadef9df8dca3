package io.jvmm.runtime.image;

import io.jvmm.files.PathLock;
import io.jvmm.image.ContentStore;
import io.jvmm.image.Descriptor;
import io.jvmm.image.ImageException;
import io.jvmm.image.ImageRecord;
import io.jvmm.image.rootfs.RootfsBuilder;
import io.jvmm.image.rootfs.RootfsException;
import io.jvmm.image.rootfs.RootfsLimits;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.state.StateDirs;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The root images built from OCI images: {@code data/images/rootfs/HEX.erofs}, one per manifest digest
 * (so every tag of the same manifest shares it), built on first use by {@link RootfsBuilder} from the
 * layer blobs in order and reused afterwards.
 * <p>
 * A build holds {@code HEX.lock} exclusively ({@link PathLock}: in this JVM and across processes) so that two
 * {@code jvmm run}s of the same new image build it once: the second waits, then finds the file. The
 * builder writes a temporary file next to the target and renames it into place when complete, so the
 * {@code .erofs} name only ever holds a whole image, even if the process is killed mid-build.
 */
public final class ImageRootfs {
    /** Temporary files of builds killed half-way are removed by prune once they are this old. */
    public static final Duration STALE_TEMP = Duration.ofHours(1);

    private ImageRootfs() {}

    /** What {@link #ensure} did. */
    public record Built(Path file, boolean reused, long millis) {}

    /** The root image of {@code img}, built now if it is not cached. Errors are one-line {@link EngineException}s. */
    public static Built ensure(StateDirs dirs, ContentStore store, ImageRecord img) {
        return ensure(dirs, store, img, RootfsLimits.DEFAULT);
    }

    /** As above, a build held to {@code limits} (a cached root image is used as it is). */
    public static Built ensure(StateDirs dirs, ContentStore store, ImageRecord img, RootfsLimits limits) {
        String hex = img.manifestDigest().hex();
        Path file = dirs.rootfsCacheFile(hex);
        if (Files.isRegularFile(file)) return new Built(file, true, 0);
        Path dir = dirs.rootfsCacheDir();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw EngineException.runtime("cannot create " + dir + ": " + why(e));
        }
        long t0 = System.nanoTime();
        // The store's lock shared (image rm and prune wait) so no layer goes while it is read, then the build's own.
        try (ContentStore.ReadGuard reading = store.reading();
                PathLock.Held building = PathLock.of(lockFile(dirs, hex)).exclusive()) {
            if (Files.isRegularFile(file)) return new Built(file, true, 0); // another process built it meanwhile
            List<Path> layers = new ArrayList<>();
            for (Descriptor l : img.layers()) {
                if (!store.hasBlob(l.digest())) {
                    throw new ImageException(
                            ImageException.Kind.NOT_FOUND,
                            "layer " + l.digest() + " of " + img.name()
                                    + " is missing from the image store; pull or import the image again");
                }
                layers.add(store.blobPath(l.digest()));
            }
            new RootfsBuilder(limits).build(layers, file);
            return new Built(file, false, (System.nanoTime() - t0) / 1_000_000);
        } catch (RootfsException e) {
            throw EngineException.runtime("cannot build the root image of " + img.name() + ": " + e.getMessage());
        } catch (IOException e) {
            throw EngineException.runtime("cannot build the root image of " + img.name() + ": " + why(e));
        }
    }

    /** Deletes the cached root image of the manifest {@code hex} (waiting for a build of it to end). */
    public static boolean remove(StateDirs dirs, String hex) {
        Path file = dirs.rootfsCacheFile(hex);
        Path lock = lockFile(dirs, hex);
        if (!Files.exists(file) && !Files.exists(lock)) return false;
        try (PathLock.Held removing = PathLock.of(lock).exclusive()) {
            boolean existed = Files.deleteIfExists(file);
            Files.deleteIfExists(lock);
            return existed;
        } catch (IOException e) {
            throw EngineException.runtime("cannot remove " + file + ": " + why(e));
        }
    }

    /** What {@link #prune} removed. */
    public record Pruned(int files, long bytes) {}

    /**
     * Deletes every cached root image whose manifest digest is not in {@code live}, and temporary files of
     * builds that died (older than {@link #STALE_TEMP}).
     */
    public static Pruned prune(StateDirs dirs, Set<String> live) {
        Path dir = dirs.rootfsCacheDir();
        if (!Files.isDirectory(dir)) return new Pruned(0, 0);
        int files = 0;
        long bytes = 0;
        List<String> dead = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            Instant old = Instant.now().minus(STALE_TEMP);
            for (Path p : ds) {
                String n = p.getFileName().toString();
                if (n.matches("[0-9a-f]{64}\\.(erofs|lock)")) {
                    String hex = n.substring(0, 64);
                    if (!live.contains(hex) && !dead.contains(hex)) dead.add(hex);
                } else if (n.startsWith(".")
                        && n.endsWith(".tmp")
                        && Files.getLastModifiedTime(p).toInstant().isBefore(old)) {
                    bytes += Files.size(p);
                    Files.deleteIfExists(p);
                    files++;
                }
            }
        } catch (IOException e) {
            throw EngineException.runtime("cannot prune " + dir + ": " + why(e));
        }
        for (String hex : dead) {
            Path f = dirs.rootfsCacheFile(hex);
            long size = sizeOnDisk(f);
            if (remove(dirs, hex)) {
                files++;
                bytes += size;
            }
        }
        return new Pruned(files, bytes);
    }

    /** The file's size (apparent: the images are sparse, so they use a little less). */
    public static long sizeOnDisk(Path f) {
        try {
            return Files.size(f);
        } catch (IOException x) {
            return 0;
        }
    }

    private static Path lockFile(StateDirs dirs, String hex) {
        return dirs.rootfsCacheDir().resolve(hex + ".lock");
    }

    private static String why(IOException e) {
        String m = e instanceof FileSystemException f && f.getReason() != null ? f.getReason() : e.getMessage();
        if (m == null) m = e.getClass().getSimpleName();
        return m.contains("No space left") ? "disk full" : m;
    }
}
