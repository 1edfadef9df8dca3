package io.jvmm.files;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
    @TempDir
    Path tmp;

    @Test
    void deletesNestedTree() throws IOException {
        Path root = tmp.resolve("root");
        Files.createDirectories(root.resolve("a/b/c"));
        Files.writeString(root.resolve("a/b/c/f"), "x");
        Files.writeString(root.resolve("a/g"), "y");
        FileTrees.delete(root);
        assertFalse(Files.exists(root, LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void symlinkedDirectoryIsRemovedAsLinkAndItsTargetIsKept() throws IOException {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Path keep = Files.writeString(outside.resolve("keep"), "k");
        Path root = Files.createDirectory(tmp.resolve("root"));
        Files.createSymbolicLink(root.resolve("link"), outside);
        Files.createSymbolicLink(root.resolve("file-link"), keep);
        FileTrees.delete(root);
        assertFalse(Files.exists(root, LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isRegularFile(keep));
    }

    @Test
    void rootThatIsALinkIsRemovedAsLink() throws IOException {
        Path outside = Files.createDirectory(tmp.resolve("outside"));
        Path keep = Files.writeString(outside.resolve("keep"), "k");
        Path link = Files.createSymbolicLink(tmp.resolve("link"), outside);
        FileTrees.delete(link);
        assertFalse(Files.exists(link, LinkOption.NOFOLLOW_LINKS));
        assertTrue(Files.isRegularFile(keep));
    }

    @Test
    void missingRootIsNothingToDo() {
        assertDoesNotThrow(() -> FileTrees.delete(tmp.resolve("absent")));
        assertDoesNotThrow(() -> FileTrees.deleteQuietly(tmp.resolve("absent")));
        assertDoesNotThrow(() -> FileTrees.deleteQuietly(null));
    }

    @Test
    void failureThrowsButQuietVariantDeletesWhatItCan() throws IOException {
        Path root = Files.createDirectory(tmp.resolve("root"));
        Path locked = Files.createDirectory(root.resolve("locked"));
        Files.writeString(locked.resolve("f"), "x");
        Files.writeString(root.resolve("free"), "y");
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-x------"));
        try {
            if (Files.isWritable(locked)) return; // root ignores the mode: nothing to fail here
            assertThrows(IOException.class, () -> FileTrees.delete(root));
            FileTrees.deleteQuietly(root);
            assertFalse(Files.exists(root.resolve("free")));
            assertTrue(Files.exists(locked.resolve("f")));
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwx------"));
        }
    }
}
