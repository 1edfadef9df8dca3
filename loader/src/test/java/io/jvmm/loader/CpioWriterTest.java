package io.jvmm.loader;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CpioWriterTest {
    @TempDir Path dir;

    @Test
    void headerFormatAndAlignment() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CpioWriter w = new CpioWriter(out)) {
            w.file("/a", 0644, new byte[] {1, 2, 3});
        }
        byte[] b = out.toByteArray();
        String h = new String(b, 0, 110);
        assertTrue(h.startsWith("070701"));
        assertEquals(0100644, Integer.parseInt(h.substring(14, 22), 16), "c_mode");
        assertEquals(3, Integer.parseInt(h.substring(54, 62), 16), "c_filesize");
        assertEquals(2, Integer.parseInt(h.substring(94, 102), 16), "c_namesize counts the NUL");
        assertEquals("a\0", new String(b, 110, 2));
        // 110 + 2 = 112 (aligned), data 3 -> padded to 116, then the trailer.
        assertArrayEquals(new byte[] {1, 2, 3, 0}, java.util.Arrays.copyOfRange(b, 112, 116));
        assertEquals("070701", new String(b, 116, 6));
        assertEquals("TRAILER!!!\0", new String(b, 116 + 110, 11));
        assertEquals(0, b.length % 4);
    }

    @Test
    void cpioExtractsWhatWasWritten() throws Exception {
        assumeTrue(ElfLoaderTest.onPath("cpio"), "cpio not installed");
        byte[] init = "#!/bin/sh\necho hello\n".getBytes();
        byte[] big = TestFiles.random(11, 100_003);
        Path bigSrc = TestFiles.write(dir, "big.src", big);
        Path archive = dir.resolve("initramfs.cpio");
        try (CpioWriter w = CpioWriter.create(archive)) {
            w.directory("dev", 0755).directory("bin", 0755).directory("etc/", 0700)
                    .file("init", 0755, init).file("bin/big", 0600, bigSrc).file("etc/empty", 0644, new byte[0])
                    .symlink("bin/sh", "busybox").charDevice("dev/console", 0600, 5, 1);
        }
        String listing = runCpio(archive, "-itv");
        assertTrue(listing.contains("crw-------"), listing);
        assertTrue(listing.matches("(?s).*5,\\s*1.*dev/console.*"), "char device 5,1: " + listing);

        Path out = Files.createDirectory(dir.resolve("x"));
        runCpioIn(out, archive);
        assertArrayEquals(init, Files.readAllBytes(out.resolve("init")));
        assertArrayEquals(big, Files.readAllBytes(out.resolve("bin/big")));
        assertEquals(0, Files.size(out.resolve("etc/empty")));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("init"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("bin/big"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out.resolve("etc"))));
        assertTrue(Files.isSymbolicLink(out.resolve("bin/sh")));
        assertEquals("busybox", Files.readSymbolicLink(out.resolve("bin/sh")).toString());
        assertTrue(Files.isDirectory(out.resolve("dev"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void rejectsBadEntries() throws Exception {
        try (CpioWriter w = new CpioWriter(new ByteArrayOutputStream())) {
            assertThrows(IllegalArgumentException.class, () -> w.file("", 0644, new byte[0]));
            assertThrows(IllegalArgumentException.class, () -> w.file("/", 0644, new byte[0]));
            assertThrows(IllegalArgumentException.class, () -> w.file("a/../../etc", 0644, new byte[0]));
            assertThrows(IllegalArgumentException.class, () -> w.file("a\0b", 0644, new byte[0]));
            assertThrows(IllegalArgumentException.class, () -> w.file("TRAILER!!!", 0644, new byte[0]));
            assertThrows(IllegalArgumentException.class, () -> w.directory("d", 0100755));
            assertThrows(IllegalArgumentException.class, () -> w.symlink("l", ""));
            assertThrows(IllegalArgumentException.class, () -> w.charDevice("c", 0600, -1, 0));
            w.finish();
            assertThrows(IllegalStateException.class, () -> w.file("late", 0644, new byte[0]));
        }
    }

    private String runCpio(Path archive, String flags) throws Exception {
        Process p = new ProcessBuilder("cpio", flags, "--quiet").redirectInput(archive.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return out;
    }

    private void runCpioIn(Path cwd, Path archive) throws Exception {
        // -d: make directories; no --unconditional needed in an empty dir. Device nodes need root:
        // skip them when not root by extracting everything but dev/console.
        boolean root = "root".equals(System.getProperty("user.name"));
        var cmd = new java.util.ArrayList<>(java.util.List.of("cpio", "-id", "--quiet", "--no-absolute-filenames"));
        if (!root) cmd.addAll(java.util.List.of("-f", "dev/console"));
        Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectInput(archive.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        if (root) {
            int mode = (Integer) Files.getAttribute(cwd.resolve("dev/console"), "unix:mode", LinkOption.NOFOLLOW_LINKS);
            long rdev = (Long) Files.getAttribute(cwd.resolve("dev/console"), "unix:rdev", LinkOption.NOFOLLOW_LINKS);
            assertEquals(0020000, mode & 0170000, "dev/console is a character device");
            assertEquals((5 << 8) | 1, rdev, "dev/console is 5,1");
        }
    }
}
