package io.jvmm.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Deletes directory trees. Symbolic links are never followed: a link inside the tree (or the root
 * itself) is removed as a link and its target is left alone, so a tree cannot reach files outside it.
 */
public final class FileTrees {
    private FileTrees() {}

    /**
     * Deletes {@code root} and everything beneath it, children before parents; nothing to do when it
     * does not exist. Stops at and throws the first failure.
     */
    public static void delete(Path root) throws IOException {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        for (Path p : deepestFirst(root)) Files.deleteIfExists(p);
    }

    /**
     * Deletes as much of {@code root} as it can and never throws: for cleanup paths, where a
     * leftover temporary directory is not worth replacing the outcome being reported. Null is ignored.
     */
    public static void deleteQuietly(Path root) {
        if (root == null || !Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        List<Path> paths;
        try {
            paths = deepestFirst(root);
        } catch (IOException e) {
            return;
        }
        for (Path p : paths) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // best effort: go on with the rest
            }
        }
    }

    // Files.walk does not follow links unless asked to, so a link is listed, not entered.
    private static List<Path> deepestFirst(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.sorted(Comparator.reverseOrder()).toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
