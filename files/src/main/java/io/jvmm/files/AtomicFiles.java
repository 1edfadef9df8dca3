package io.jvmm.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Set;

/**
 * Replaces a file's contents so that readers see the old or the new contents, never a mix or a
 * torn write: written to a temporary file in the same directory, synced, then renamed over the target.
 * The temporary file is deleted on any failure.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {}

    /** Writes the new contents to an open channel; may throw one checked exception of its own. */
    @FunctionalInterface
    public interface Content<X extends Exception> {
        void writeTo(FileChannel ch) throws IOException, X;
    }

    /** Replaces {@code target} with {@code bytes}; a new file gets the process umask's mode. */
    public static void replace(Path target, byte[] bytes) throws IOException {
        replace(target, null, ch -> {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) ch.write(buf);
        });
    }

    /**
     * Replaces {@code target} with what {@code content} writes. With {@code mode} non-null the file
     * gets exactly that mode (set after creation, so the umask does not narrow it); with null it
     * gets the mode the umask leaves.
     */
    public static <X extends Exception> void replace(Path target, Set<PosixFilePermission> mode, Content<X> content)
            throws IOException, X {
        // Same directory: the rename cannot cross file systems, so it is atomic.
        Path tmp = target.resolveSibling(
                "." + target.getFileName() + "." + HexFormat.of().toHexDigits(RANDOM.nextLong()) + ".tmp");
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                content.writeTo(ch);
                ch.force(true); // durable before it takes the target's name
            }
            if (mode != null) Files.setPosixFilePermissions(tmp, mode);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            done = true;
        } finally {
            if (!done) deleteQuietly(tmp);
        }
    }

    private static void deleteQuietly(Path tmp) {
        try {
            Files.deleteIfExists(tmp);
        } catch (IOException e) {
            // the caller's failure is the one to report
        }
    }
}
