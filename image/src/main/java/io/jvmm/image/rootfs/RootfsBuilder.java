package io.jvmm.image.rootfs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Turns the layers of an OCI image into one read-only root file system image (uncompressed EROFS)
 * that the guest agent mounts as the lower layer of its overlay. Needs no privileges and does not
 * depend on the uid running it: the merged tree is built in memory from the tar headers (owners,
 * modes incl. setuid/setgid/sticky, device numbers, xattrs, hard links) and the image is written
 * byte by byte, never extracted to a host directory.
 *
 * <p>Layers are tar blobs, uncompressed, gzip or zstd (detected from the magic), applied bottom
 * first with the OCI whiteout rules. An entry whose path would leave the root ({@code ..},
 * absolute, or through a symbolic link made by an earlier entry), or a hard link to such a path,
 * fails the build with an {@link UnsafeEntryException}; corrupt or truncated layers fail with a
 * {@link RootfsException}. Both name the layer and the entry. The output is written to a temp file
 * next to it and renamed into place only when complete: on failure no output file is left.
 *
 * <p>File contents are spooled to one temp file next to the output while the layers are read (so
 * a file overwritten by a later layer costs disk until the build ends) and copied into the image
 * at the end. What a build may take (unpacked bytes, entries, path depth and length, xattr and
 * header bytes) is bounded by its {@link RootfsLimits}, {@link RootfsLimits#DEFAULT} unless given;
 * going past one fails the build with a {@link LimitExceededException} naming the layer, the entry
 * and the limit, before the data is copied. Not thread-safe; one instance may build many images in
 * sequence.
 */
public final class RootfsBuilder {

    /** What a build produced. */
    public record Result(Path image, long sizeBytes, long inodes, long fileBytes, List<String> warnings) {
        public Result {
            warnings = List.copyOf(warnings);
        }
    }

    private final RootfsLimits limits;

    /** A builder with {@link RootfsLimits#DEFAULT}. */
    public RootfsBuilder() {
        this(RootfsLimits.DEFAULT);
    }

    /** A builder whose builds are bounded by {@code limits}. */
    public RootfsBuilder(RootfsLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** The limits every build of this builder is held to. */
    public RootfsLimits limits() {
        return limits;
    }

    /**
     * Applies {@code layers} (bottom first) and writes the merged tree as an EROFS image to
     * {@code output}, replacing it if it exists.
     *
     * @throws UnsafeEntryException an entry escapes the root (nothing written)
     * @throws LimitExceededException a layer goes past one of {@link #limits()} (nothing written)
     * @throws RootfsException a layer is corrupt, truncated or holds what the image cannot store
     * @throws IOException reading a layer or writing the image failed (e.g. disk full)
     */
    public Result build(List<Path> layers, Path output) throws IOException {
        Objects.requireNonNull(layers, "layers");
        Objects.requireNonNull(output, "output");
        Path abs = output.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir == null) throw new RootfsException("output " + output + " has no parent directory");
        if (!Files.isDirectory(dir))
            throw new NoSuchFileException(dir.toString(), null, "output directory does not exist");
        for (int i = 0; i < layers.size(); i++) {
            Path l = layers.get(i);
            if (!Files.isRegularFile(l)) {
                throw new RootfsException(i, l, null, "layer file not found or not a regular file: " + l, null);
            }
        }

        List<String> warnings = new ArrayList<>();
        Node root = new Node(Node.S_IFDIR | 0755);
        Path tmp = null;
        boolean ok = false;
        try (Spool spool = new Spool(dir)) {
            LayerApplier applier = new LayerApplier(root, spool, limits, warnings);
            for (int i = 0; i < layers.size(); i++) applier.apply(i, layers.get(i));

            tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
            ErofsWriter.Stats stats;
            try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                stats = new ErofsWriter(spool).write(root, out);
                out.force(true);
            }
            Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            ok = true;
            return new Result(abs, stats.blocks() * ErofsWriter.BLK, stats.inodes(), stats.dataBytes(), warnings);
        } finally {
            if (!ok && tmp != null) Files.deleteIfExists(tmp);
        }
    }
}
