package io.jvmm.image;

import io.jvmm.files.PathLock;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The local content-addressed image store.
 * <pre>
 * ROOT/blobs/sha256/&lt;hex&gt;      every manifest, index, config and layer, once, named by its digest
 * ROOT/images/&lt;name&gt;.json       the image index: one file per reference ('/' written as %2F)
 * ROOT/tmp/                      downloads in progress (&lt;hex&gt;.partial, kept to resume) and atomic writes
 * ROOT/lock                      shared by pulls/imports, exclusive for remove/prune
 * </pre>
 * A blob enters {@code blobs/} only by an atomic rename of a file in {@code tmp/} whose sha256 was just
 * checked, and an index entry only after all its blobs are there; so a process killed at any point leaves
 * a store whose index only names complete, verified blobs. Everything throws {@link ImageException}.
 */
public final class ContentStore {
    private final Path root;
    private final Path blobs;
    private final Path images;
    private final Path tmp;
    /** ROOT/lock: pulls and imports hold it shared, remove and prune exclusive, so prune never deletes a blob a pull has committed but not yet indexed. */
    private final PathLock lock;

    private ContentStore(Path root) {
        this.root = root;
        this.blobs = root.resolve("blobs").resolve("sha256");
        this.images = root.resolve("images");
        this.tmp = root.resolve("tmp");
        this.lock = PathLock.of(root.resolve("lock"));
    }

    /** Opens (creating its directories if needed) the store at {@code root}. */
    public static ContentStore open(Path root) {
        ContentStore s = new ContentStore(root.toAbsolutePath().normalize());
        try {
            Files.createDirectories(s.blobs);
            Files.createDirectories(s.images);
            Files.createDirectories(s.tmp);
        } catch (IOException e) {
            throw io("cannot create the image store at " + root, e);
        }
        return s;
    }

    public Path root() {
        return root;
    }

    Path blobsDir() {
        return blobs;
    }

    Path tmpDir() {
        return tmp;
    }

    PathLock.Held sharedLock() {
        try {
            return lock.shared();
        } catch (IOException e) {
            throw io("cannot lock the image store", e);
        }
    }

    private PathLock.Held exclusiveLock() {
        try {
            return lock.exclusive();
        } catch (IOException e) {
            throw io("cannot lock the image store", e);
        }
    }

    /** While held, no remove or prune runs (here or in another process): for readers of blobs, e.g. a root image build. */
    public interface ReadGuard extends AutoCloseable {
        @Override
        void close();
    }

    /** Holds the store's lock shared until closed, as a pull does; remove and prune wait for it. */
    public ReadGuard reading() {
        PathLock.Held held = sharedLock();
        return held::close;
    }

    // ---------------------------------------------------------------- blobs

    /** Where the blob lives (whether or not it is there). */
    public Path blobPath(Digest d) {
        return blobs.resolve(d.hex());
    }

    public boolean hasBlob(Digest d) {
        return Files.isRegularFile(blobPath(d));
    }

    /** Opens a stored blob; NOT_FOUND if it is not in the store. */
    public InputStream openBlob(Digest d) {
        try {
            return Files.newInputStream(blobPath(d));
        } catch (NoSuchFileException e) {
            throw new ImageException(ImageException.Kind.NOT_FOUND, "blob " + d + " is not in the image store");
        } catch (IOException e) {
            throw io("cannot read blob " + d, e);
        }
    }

    public byte[] readBlob(Digest d) {
        try (InputStream in = openBlob(d)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw io("cannot read blob " + d, e);
        }
    }

    /** Stores {@code data} if its sha256 is {@code expected} (DIGEST_MISMATCH otherwise; nothing stored). */
    public Digest putBlob(byte[] data, Digest expected) {
        Digest actual = Digest.of(data);
        if (expected != null && !actual.equals(expected)) throw mismatch("content", expected, actual);
        if (hasBlob(actual)) return actual;
        Path t = newTmpFile();
        try {
            try (FileChannel ch = FileChannel.open(t, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(data));
                ch.force(true);
            }
            commit(t, actual);
            return actual;
        } catch (IOException e) {
            deleteQuietly(t);
            throw io("cannot write blob " + actual, e);
        }
    }

    /**
     * Copies {@code in} into the store, hashing as it goes; if the result is not {@code expected}
     * (when given) or not {@code expectedSize} bytes (when &gt;= 0), nothing is stored.
     */
    public Digest putBlob(InputStream in, Digest expected, long expectedSize) {
        Path t = newTmpFile();
        try {
            MessageDigest md = Digest.newSha256();
            long n = 0;
            try (OutputStream out = Files.newOutputStream(t, StandardOpenOption.WRITE)) {
                byte[] buf = new byte[1 << 16];
                for (int r; (r = in.read(buf)) > 0; ) {
                    md.update(buf, 0, r);
                    out.write(buf, 0, r);
                    n += r;
                    if (expectedSize >= 0 && n > expectedSize) break;
                }
            }
            Digest actual = Digest.fromSha256(md);
            if (expectedSize >= 0 && n != expectedSize) {
                throw new ImageException(
                        ImageException.Kind.DIGEST_MISMATCH,
                        "size mismatch for " + (expected != null ? expected : actual) + ": expected " + expectedSize
                                + " bytes, got " + (n > expectedSize ? "more" : n));
            }
            if (expected != null && !actual.equals(expected)) throw mismatch("content", expected, actual);
            forceFile(t);
            commit(t, actual);
            return actual;
        } catch (IOException e) {
            throw io("cannot write a blob to the image store", e);
        } finally {
            deleteQuietly(t);
        }
    }

    /**
     * Moves a file from {@code tmp/} whose content the caller has verified to be {@code d} into
     * {@code blobs/} (atomic rename; if the blob is already there the file is simply deleted).
     */
    void commit(Path verifiedTmpFile, Digest d) throws IOException {
        Path target = blobPath(d);
        if (Files.exists(target)) {
            Files.deleteIfExists(verifiedTmpFile);
            return;
        }
        try {
            Files.move(verifiedTmpFile, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException e) {
            Files.deleteIfExists(verifiedTmpFile);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("tmp/ and blobs/ are on different file systems", e);
        }
    }

    /** Hashes a file in {@code tmp/} and commits it if it is {@code expected}; else deletes it and throws. */
    void verifyAndCommit(Path tmpFile, Digest expected, String what) throws IOException {
        Digest actual = Digest.of(tmpFile);
        if (!actual.equals(expected)) {
            Files.deleteIfExists(tmpFile);
            throw mismatch(what, expected, actual);
        }
        forceFile(tmpFile);
        commit(tmpFile, expected);
    }

    Path newTmpFile() {
        try {
            return Files.createFile(tmp.resolve(UUID.randomUUID() + ".tmp"));
        } catch (IOException e) {
            throw io("cannot create a file in " + tmp, e);
        }
    }

    Path partialPath(Digest d) {
        return tmp.resolve(d.hex() + ".partial");
    }

    // ---------------------------------------------------------------- image index

    /** Writes (atomically replacing) the index entry for {@code r.name()}; all its blobs must be stored. */
    public void putImage(ImageRecord r) {
        for (Digest d : r.blobs()) {
            if (!hasBlob(d))
                throw new ImageException(
                        ImageException.Kind.IO, "cannot index " + r.name() + ": blob " + d + " is missing");
        }
        byte[] json = Json.pretty(r.toJson()).getBytes(StandardCharsets.UTF_8);
        Path t = newTmpFile();
        try {
            try (FileChannel ch = FileChannel.open(t, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(json));
                ch.force(true);
            }
            Files.move(t, indexFile(r.name()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            deleteQuietly(t);
            throw io("cannot write the image index entry for " + r.name(), e);
        }
    }

    private Path indexFile(String name) {
        return images.resolve(name.replace("%", "%25").replace("/", "%2F") + ".json");
    }

    /** All images, sorted by name. Unreadable index files are skipped (and reported by {@link #check()}). */
    public List<ImageRecord> list() {
        List<ImageRecord> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(images, "*.json")) {
            for (Path p : ds) {
                try {
                    out.add(ImageRecord.fromJson(
                            Json.parse(Files.readAllBytes(p), p.getFileName().toString()),
                            p.getFileName().toString()));
                } catch (IOException | RuntimeException e) {
                    // a foreign or damaged file: not an image
                }
            }
        } catch (IOException e) {
            throw io("cannot list " + images, e);
        }
        out.sort(Comparator.comparing(ImageRecord::name));
        return out;
    }

    /**
     * Finds an image by reference ({@code busybox}, {@code host/x:tag}, {@code name@sha256:...}), by id or
     * manifest digest ({@code sha256:...}), or by a unique prefix of at least 4 hex digits of either.
     */
    public Optional<ImageRecord> find(String ref) {
        List<ImageRecord> all = list();
        String s = ref.trim();
        String hexPrefix = s.startsWith("sha256:") ? s.substring(7) : s;
        if (hexPrefix.matches("[a-f0-9]{4,64}")) {
            List<ImageRecord> hits = all.stream()
                    .filter(r -> r.id().hex().startsWith(hexPrefix)
                            || r.manifestDigest().hex().startsWith(hexPrefix))
                    .toList();
            if (hits.size() == 1
                    || (!hits.isEmpty()
                            && hits.stream()
                                            .map(ImageRecord::manifestDigest)
                                            .distinct()
                                            .count()
                                    == 1)) {
                return Optional.of(hits.getFirst());
            }
            if (hits.size() > 1)
                throw new ImageException(
                        ImageException.Kind.BAD_INPUT, "'" + ref + "' matches several images; give more digits");
            if (s.startsWith("sha256:")) return Optional.empty();
        }
        ImageReference r = ImageReference.parse(s);
        String key = r.toString();
        for (ImageRecord rec : all) if (rec.name().equals(key)) return Optional.of(rec);
        if (r.digest() != null) {
            for (ImageRecord rec : all) {
                ImageReference rr = rec.reference();
                if (rr.name().equals(r.name())
                        && (r.digest().equals(rec.manifestDigest())
                                || r.digest().equals(rec.indexDigest()))) {
                    return Optional.of(rec);
                }
            }
        }
        return Optional.empty();
    }

    /** {@link #find} or NOT_FOUND. */
    public ImageRecord get(String ref) {
        return find(ref)
                .orElseThrow(() ->
                        new ImageException(ImageException.Kind.NOT_FOUND, "no such image in the local store: " + ref));
    }

    /** The image's configuration (Entrypoint, Cmd, Env, ...). */
    public ImageConfig config(ImageRecord r) {
        return ImageConfig.parse(readBlob(r.config().digest()));
    }

    /** Removes the index entry (blobs stay until {@link #prune()}); NOT_FOUND if there is none. */
    @SuppressWarnings("try")
    public ImageRecord remove(String ref) {
        try (PathLock.Held h = exclusiveLock()) {
            ImageRecord r = get(ref);
            try {
                Files.deleteIfExists(indexFile(r.name()));
            } catch (IOException e) {
                throw io("cannot remove " + r.name(), e);
            }
            return r;
        }
    }

    /** What {@link #prune()} did. */
    public record PruneResult(int blobsRemoved, long bytesFreed, int partialsRemoved) {}

    /**
     * Deletes every blob no image references, and the tmp/ leftovers (partial downloads of pulls that
     * died). Waits for running pulls and imports (they hold the store lock shared).
     */
    @SuppressWarnings("try")
    public PruneResult prune() {
        try (PathLock.Held h = exclusiveLock()) {
            Set<String> live = new HashSet<>();
            for (ImageRecord r : list()) for (Digest d : r.blobs()) live.add(d.hex());
            int removed = 0;
            long freed = 0;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(blobs)) {
                for (Path p : ds) {
                    if (live.contains(p.getFileName().toString())) continue;
                    long size = Files.size(p);
                    Files.delete(p);
                    removed++;
                    freed += size;
                }
            }
            int partials = 0;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
                for (Path p : ds) {
                    freed += Files.size(p);
                    Files.delete(p);
                    partials++;
                }
            }
            return new PruneResult(removed, freed, partials);
        } catch (IOException e) {
            throw io("cannot prune the image store", e);
        }
    }

    /** Problems found by re-hashing every blob an image references (missing or corrupt); empty if none. */
    public List<String> check() {
        List<String> problems = new ArrayList<>();
        Set<Digest> seen = new HashSet<>();
        for (ImageRecord r : list()) {
            for (Digest d : r.blobs()) {
                if (!seen.add(d)) continue;
                if (!hasBlob(d)) {
                    problems.add(r.name() + ": blob " + d + " is missing");
                    continue;
                }
                try {
                    Digest actual = Digest.of(blobPath(d));
                    if (!actual.equals(d))
                        problems.add(r.name() + ": blob " + d + " is corrupt (sha256 " + actual + ")");
                } catch (IOException e) {
                    problems.add(r.name() + ": blob " + d + " cannot be read: " + e.getMessage());
                }
            }
        }
        return problems;
    }

    // ---------------------------------------------------------------- helpers

    static void forceFile(Path p) throws IOException {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort
        }
    }

    static ImageException mismatch(String what, Digest expected, Digest actual) {
        return new ImageException(
                ImageException.Kind.DIGEST_MISMATCH,
                "digest mismatch for " + what + ": expected " + expected + ", got " + actual + " (nothing stored)");
    }

    static ImageException io(String what, IOException e) {
        String why = e.getMessage();
        if (e instanceof FileSystemException f)
            why = f.getReason() != null ? f.getReason() : e.getClass().getSimpleName();
        if (why != null && why.contains("No space left")) why = "disk full";
        return new ImageException(
                ImageException.Kind.IO,
                what + ": " + (why == null ? e.getClass().getSimpleName() : why),
                e);
    }
}
