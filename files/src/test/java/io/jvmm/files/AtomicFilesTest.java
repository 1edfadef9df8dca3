package io.jvmm.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void replacesAndLeavesNoTemporaryFile() throws IOException {
        Path f = dir.resolve("state.json");
        AtomicFiles.replace(f, "old".getBytes(StandardCharsets.UTF_8));
        AtomicFiles.replace(f, "new".getBytes(StandardCharsets.UTF_8));
        assertEquals("new", Files.readString(f));
        assertEquals(List.of(f), entries());
    }

    @Test
    void failedWriteKeepsOldContentsAndLeavesNoTemporaryFile() throws IOException {
        Path f = Files.writeString(dir.resolve("state.json"), "old");
        IOException e = assertThrows(
                IOException.class,
                () -> AtomicFiles.replace(f, null, ch -> {
                    ch.write(ByteBuffer.wrap("half".getBytes(StandardCharsets.UTF_8)));
                    throw new IOException("disk full");
                }));
        assertEquals("disk full", e.getMessage());
        assertEquals("old", Files.readString(f));
        assertEquals(List.of(f), entries());
    }

    @Test
    void contentsOwnCheckedExceptionPassesThrough() throws IOException {
        Path f = Files.writeString(dir.resolve("out"), "old");
        assertThrows(
                InterruptedException.class,
                () -> AtomicFiles.replace(f, null, ch -> {
                    throw new InterruptedException();
                }));
        assertEquals("old", Files.readString(f));
        assertEquals(List.of(f), entries());
    }

    @Test
    void failedRenameLeavesNoTemporaryFile() throws IOException {
        Path target = Files.createDirectory(dir.resolve("busy"));
        Files.writeString(target.resolve("child"), "x"); // a non-empty directory cannot be replaced
        assertThrows(IOException.class, () -> AtomicFiles.replace(target, new byte[] {1}));
        assertEquals(List.of(target), entries());
    }

    @Test
    void modeIsExactlyTheOneAsked() throws IOException {
        Path f = dir.resolve("image");
        AtomicFiles.replace(f, PosixFilePermissions.fromString("rw-r--r--"), ch -> ch.write(ByteBuffer.allocate(1)));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        AtomicFiles.replace(f, PosixFilePermissions.fromString("rw-------"), ch -> ch.write(ByteBuffer.allocate(1)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    }

    private List<Path> entries() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
