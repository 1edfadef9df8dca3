package io.jvmm.loader.initramfs;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Archives read back by GNU cpio and compared with the kernel's own gen_init_cpio. */
class CpioArchiveInteropTest {
    @TempDir
    Path dir;

    private static final byte[] INIT = "#!/bin/sh\necho hello\n".getBytes();
    private static final byte[] BIG = new byte[100_003];

    static {
        new Random(11).nextBytes(BIG);
    }

    /** An archive with every entry kind, odd sizes (padding), an implicit parent and special modes. */
    private CpioArchive sample(Path bigSource) throws IOException {
        return new CpioArchive()
                .directory("dev", 0755)
                .directory("tmp", 01777)
                .directory("etc", 0700)
                .file("init", 0755, INIT)
                .file("bin/big", 0600, bigSource) // bin/ created implicitly
                .file("etc/empty", 0644, new byte[0])
                .file("etc/setuid", 04755, new byte[] {1})
                .symlink("bin/sh", "busybox")
                .symlink("abs", "/etc/empty")
                .charDevice("dev/console", 0600, 5, 1);
    }

    private static boolean isRoot() throws IOException {
        return Files.getAttribute(Path.of("/proc/self"), "unix:uid").equals(0);
    }

    @Test
    void gnuCpioExtractsFilesModesAndSymlinks() throws Exception {
        Optional<Path> cpio = ExternalTool.onPath("cpio");
        if (cpio.isEmpty()) {
            System.out.println("skipped: cpio not on PATH (apt-get install cpio)");
            assumeTrue(false, "cpio not on PATH");
        }
        Path archive = dir.resolve("initramfs.cpio");
        try (var out = Files.newOutputStream(archive)) {
            sample(Files.write(dir.resolve("big.src"), BIG)).writeTo(out);
        }

        Path x = Files.createDirectory(dir.resolve("x"));
        List<String> cmd =
                new ArrayList<>(List.of(cpio.get().toString(), "-idm", "--quiet", "--no-absolute-filenames"));
        // Device nodes need CAP_MKNOD; as an ordinary user extract everything else.
        boolean root = isRoot();
        if (!root) cmd.addAll(List.of("-f", "dev/console"));
        var r = ExternalTool.run(x, archive, cmd);
        assertEquals(0, r.exitCode(), r.output());

        assertArrayEquals(INIT, Files.readAllBytes(x.resolve("init")));
        assertArrayEquals(BIG, Files.readAllBytes(x.resolve("bin/big")));
        assertEquals(0, Files.size(x.resolve("etc/empty")));
        assertEquals(0100755, mode(x.resolve("init")));
        assertEquals(0100600, mode(x.resolve("bin/big")));
        assertEquals(0104755, mode(x.resolve("etc/setuid")));
        assertEquals(040755, mode(x.resolve("bin")), "implicit parent");
        assertEquals(041777, mode(x.resolve("tmp")));
        assertEquals(040700, mode(x.resolve("etc")));
        assertEquals(
                "busybox", Files.readSymbolicLink(x.resolve("bin/sh")).toString(), "target without the stored NUL");
        assertEquals("/etc/empty", Files.readSymbolicLink(x.resolve("abs")).toString());
        assertEquals(
                FileTime.fromMillis(0),
                Files.getLastModifiedTime(x.resolve("init"), LinkOption.NOFOLLOW_LINKS),
                "-m keeps mtime 0");
        if (root) {
            assertEquals(0020600, mode(x.resolve("dev/console")));
            assertEquals(
                    (5L << 8) | 1,
                    Files.getAttribute(x.resolve("dev/console"), "unix:rdev", LinkOption.NOFOLLOW_LINKS));
            assertEquals(0, Files.getAttribute(x.resolve("init"), "unix:uid"));
        }
        try (Stream<Path> all = Files.walk(x)) {
            assertEquals(11, all.count() - 1, "exactly the archived entries (and nothing outside x)");
        }
    }

    @Test
    void gnuCpioListsEveryEntry() throws Exception {
        Optional<Path> cpio = ExternalTool.onPath("cpio");
        if (cpio.isEmpty()) {
            System.out.println("skipped: cpio not on PATH (apt-get install cpio)");
            assumeTrue(false, "cpio not on PATH");
        }
        Path archive = Files.write(
                dir.resolve("a.cpio"),
                sample(Files.write(dir.resolve("big.src"), BIG)).toByteArray());
        var r = ExternalTool.run(dir, archive, List.of(cpio.get().toString(), "-tv", "--quiet"));
        assertEquals(0, r.exitCode(), r.output());
        List<String> lines = r.output().lines().toList();
        assertEquals(
                List.of(
                        "dev",
                        "tmp",
                        "etc",
                        "init",
                        "bin",
                        "bin/big",
                        "etc/empty",
                        "etc/setuid",
                        "bin/sh -> busybox",
                        "abs -> /etc/empty",
                        "dev/console"),
                lines.stream()
                        .map(l -> l.replaceFirst("^.*?\\s\\S+\\s+\\d+\\s+\\d{4}\\s", ""))
                        .toList(),
                r.output());
        assertTrue(lines.get(0).startsWith("drwxr-xr-x   2 root     root "), lines.get(0));
        assertTrue(lines.get(1).startsWith("drwxrwxrwt"), lines.get(1));
        assertTrue(lines.get(5).matches("-rw-------\\s+1 root\\s+root\\s+100003 .*"), lines.get(5));
        assertTrue(lines.get(7).startsWith("-rwsr-xr-x"), lines.get(7));
        assertTrue(lines.get(8).startsWith("lrwxrwxrwx"), lines.get(8));
        assertTrue(lines.get(10).matches("crw-------\\s+1 root\\s+root\\s+5,\\s+1 .*"), lines.get(10));
        assertTrue(lines.stream().allMatch(l -> l.contains(" 1970 ")), "mtime 0: " + r.output());
    }

    @Test
    void matchesTheKernelsGenInitCpioByteForByte() throws Exception {
        Optional<Path> tool = findGenInitCpio();
        if (tool.isEmpty()) {
            System.out.println(
                    "skipped: no built gen_init_cpio (set JVMM_GEN_INIT_CPIO, or keep usr/gen_init_cpio under ~/.cache/jvmm/kernel/*/)");
            assumeTrue(false, "no gen_init_cpio");
        }
        // gen_init_cpio takes a regular file's mtime from the host file, the rest from -t.
        Path init = Files.write(dir.resolve("init.src"), INIT);
        Path big = Files.write(dir.resolve("big.src"), BIG);
        for (Path p : List.of(init, big)) Files.setLastModifiedTime(p, FileTime.fromMillis(0));
        Path empty = Files.write(dir.resolve("empty.src"), new byte[0]);
        Path one = Files.write(dir.resolve("one.src"), new byte[] {1});
        for (Path p : List.of(empty, one)) Files.setLastModifiedTime(p, FileTime.fromMillis(0));
        String list = String.join(
                "\n",
                "dir /dev 0755 0 0",
                "dir /tmp 1777 0 0",
                "dir /etc 0700 0 0",
                "file /init " + init + " 0755 0 0",
                "dir /bin 0755 0 0",
                "file /bin/big " + big + " 0600 0 0",
                "file /etc/empty " + empty + " 0644 0 0",
                "file /etc/setuid " + one + " 4755 0 0",
                "slink /bin/sh busybox 0777 0 0",
                "slink /abs /etc/empty 0777 0 0",
                "nod /dev/console 0600 0 0 c 5 1",
                "");
        Path listFile = Files.writeString(dir.resolve("list"), list);
        byte[] expected = ExternalTool.runForBytes(dir, List.of(tool.get().toString(), "-t", "0", listFile.toString()));
        byte[] actual = sample(big).toByteArray();
        int mismatch = Arrays.mismatch(expected, actual);
        assertEquals(
                -1,
                mismatch,
                "first difference at byte " + mismatch + " (expected " + expected.length + " bytes, got "
                        + actual.length + ")");
    }

    /** $JVMM_GEN_INIT_CPIO, else one kept by kernel/build.sh in its cache. */
    private static Optional<Path> findGenInitCpio() throws IOException {
        String env = System.getenv("JVMM_GEN_INIT_CPIO");
        if (env != null && !env.isEmpty()) return Optional.of(Path.of(env)).filter(Files::isExecutable);
        Path cache = Path.of(System.getProperty("user.home"), ".cache/jvmm/kernel");
        if (!Files.isDirectory(cache)) return Optional.empty();
        try (DirectoryStream<Path> builds = Files.newDirectoryStream(cache)) {
            for (Path b : builds) {
                for (String rel : List.of("usr/gen_init_cpio", "obj/usr/gen_init_cpio", "gen_init_cpio")) {
                    if (Files.isExecutable(b.resolve(rel))) return Optional.of(b.resolve(rel));
                }
            }
        }
        return Optional.empty();
    }

    private static int mode(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    }
}
