package io.jvmm.image.rootfs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.image.rootfs.TestLayer.Compression;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Builds images from layers made here and checks them with the real kernel: mounted read-only
 * (loop, erofs) on the host, every property read back with stat/getfattr/Files, busybox run in a
 * chroot. The mount-based checks need root and are skipped (with the reason) otherwise;
 * fsck.erofs, when installed, checks every image without root.
 */
class RootfsBuilderTest {
    static final Path BUSYBOX = Path.of("/bin/busybox");
    /** A v2 file capability: cap_setgid,cap_setuid,cap_net_raw+ep (binary, not valid UTF-8). */
    static final byte[] CAPABILITY = {
        0x01,
        0x00,
        0x00,
        0x02,
        (byte) 0xc0,
        0x20,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00,
        0x00
    };

    @TempDir
    Path tmp;

    // ------------------------------------------------------------------------------------ images

    @Test
    void layersBecomeAnImageWithEveryPropertyPreserved() throws Exception {
        byte[] busybox = Files.readAllBytes(BUSYBOX);
        byte[] big = random(10_000, 1);
        byte[] block = random(4096, 2);
        byte[] large = random(3 * 1024 * 1024 + 123, 3);

        Path l1 = new TestLayer()
                .dir("./", 0755, 0, 0)
                .dir("bin", 0755, 0, 0)
                .file("bin/busybox", busybox, 0755, 0, 0)
                .symlink("bin/sh", "busybox", 0, 0)
                .hardlink("bin/ls", "bin/busybox")
                .dir("etc", 0755, 0, 0)
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n")
                .file("etc/old.conf", "old")
                .file("etc/shadow", "root:*:1::::::\n".getBytes(StandardCharsets.UTF_8), 0640, 0, 42)
                .dir("home", 0755, 0, 0)
                .dir("home/user", 0750, 1000, 1000)
                .file("home/user/.profile", "PS1='$ '\n".getBytes(StandardCharsets.UTF_8), 0644, 1000, 1000)
                .dir("tmp", 01777, 0, 0)
                .dir("usr", 0755, 0, 0)
                .dir("usr/bin", 0755, 0, 0)
                .file("usr/bin/su", "su".getBytes(StandardCharsets.UTF_8), 04755, 0, 0)
                .file("usr/bin/wall", "wall".getBytes(StandardCharsets.UTF_8), 02755, 0, 5)
                .file(
                        "usr/bin/ping",
                        "ping".getBytes(StandardCharsets.UTF_8),
                        0755,
                        0,
                        0,
                        Map.of(
                                "user.comment",
                                "hello".getBytes(StandardCharsets.UTF_8),
                                "security.capability",
                                CAPABILITY))
                .file("data/high-ids", "x".getBytes(StandardCharsets.UTF_8), 0600, 200_000, 4_000_000_000L)
                .dirWithXattr("labelled", 0755, Map.of("user.label", new byte[] {(byte) 0xff, 0, (byte) 0x80, 1}))
                .dir("dev", 0755, 0, 0)
                .device("dev/null", false, 1, 3, 0666, 0, 0)
                .device("dev/sda", true, 8, 0, 0660, 0, 6)
                .device("dev/odd", false, 300, 70000, 0600, 0, 0)
                .dir("run", 0755, 0, 0)
                .fifo("run/fifo", 0620, 1000, 1000)
                .dir("opaque", 0755, 0, 0)
                .file("opaque/a", "a")
                .dir("opaque/sub", 0755, 0, 0)
                .file("opaque/sub/b", "b")
                .dir("wdir", 0755, 0, 0)
                .file("wdir/old", "old")
                .dir("data", 0755, 0, 0)
                .file("data/big", big, 0644, 0, 0)
                .file("data/block", block, 0644, 0, 0)
                .file("data/large", large, 0644, 0, 0)
                .file("data/empty", new byte[0], 0644, 0, 0)
                .file("replaced", "a file in layer 1")
                .dir("gone", 0755, 0, 0)
                .dir("gone/sub", 0755, 0, 0)
                .file("gone/sub/f", "f")
                .file("data/orig", "original")
                .hardlink("data/link", "data/orig")
                .write(tmp.resolve("l1.tar.gz"), Compression.GZIP);

        Path l2 = new TestLayer()
                .whiteout("etc/.wh.old.conf")
                .whiteout("opaque/.wh..wh..opq")
                .file("opaque/c", "c")
                .file("wdir/new", "new") // this layer's own entry, before its whiteout: must survive
                .whiteout(".wh.wdir")
                .hardlink("usr/bin/passwd-link", "etc/passwd") // target in a lower layer
                .file("etc/motd", "welcome\n")
                .dir("replaced", 0755, 0, 0)
                .file("replaced/inside", "inside")
                .dir("tmp", 01777, 0, 0)
                .dir("home/user", 0700, 1000, 1000)
                .whiteout(".wh.gone")
                .file("data/orig", "replaced in layer 2")
                .write(tmp.resolve("l2.tar.zst"), Compression.ZSTD);

        TestLayer t3 = new TestLayer().dir("many", 0755, 0, 0);
        for (int i = 0; i < 600; i++) t3.file(String.format("many/file-with-a-longish-name-%04d", i), "n" + i);
        Path l3 = t3.symlink("longlink", "/" + "x".repeat(3000), 0, 0)
                .whiteout("nothing/here/.wh.x")
                .whiteout(".wh.not-there")
                .write(tmp.resolve("l3.tar"), Compression.NONE);

        Path img = tmp.resolve("rootfs.erofs");
        long t0 = System.nanoTime();
        RootfsBuilder.Result r = new RootfsBuilder().build(List.of(l1, l2, l3), img);
        System.out.printf(
                "built %s: %d bytes, %d inodes in %d ms%n",
                img.getFileName(), r.sizeBytes(), r.inodes(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        assertEquals(Files.size(img), r.sizeBytes());
        assertEquals(0, r.sizeBytes() % 4096);
        assertNoLeftovers(tmp, "l1.tar.gz", "l2.tar.zst", "l3.tar", "rootfs.erofs");
        fsck(img);

        withMount(img, m -> {
            assertEquals("0 0 755 directory", stat(m));
            assertEquals("0 0 755 regular file", stat(m.resolve("bin/busybox")));
            assertArrayEquals(busybox, Files.readAllBytes(m.resolve("bin/busybox")));
            assertEquals("busybox", Files.readSymbolicLink(m.resolve("bin/sh")).toString());
            assertEquals("0 0 777 symbolic link", stat(m.resolve("bin/sh")));
            assertEquals(ino(m.resolve("bin/busybox")), ino(m.resolve("bin/ls")));
            assertEquals(2, nlink(m.resolve("bin/busybox")));

            assertFalse(Files.exists(m.resolve("etc/old.conf"), LinkOption.NOFOLLOW_LINKS));
            assertEquals("welcome\n", Files.readString(m.resolve("etc/motd")));
            assertEquals("0 42 640 regular file", stat(m.resolve("etc/shadow")));
            assertEquals(ino(m.resolve("etc/passwd")), ino(m.resolve("usr/bin/passwd-link")));
            assertEquals(2, nlink(m.resolve("etc/passwd")));
            assertTrue(Files.readString(m.resolve("usr/bin/passwd-link")).startsWith("root:x:0:0:"));
            assertEquals(
                    TestLayer.MTIME,
                    Files.getLastModifiedTime(m.resolve("etc/passwd")).toInstant());

            assertEquals("1000 1000 700 directory", stat(m.resolve("home/user")));
            assertEquals("1000 1000 644 regular file", stat(m.resolve("home/user/.profile")));
            assertEquals("0 0 1777 directory", stat(m.resolve("tmp")));
            assertEquals("0 0 4755 regular file", stat(m.resolve("usr/bin/su")));
            assertEquals("0 5 2755 regular file", stat(m.resolve("usr/bin/wall")));

            var view = Files.getFileAttributeView(m.resolve("usr/bin/ping"), UserDefinedFileAttributeView.class);
            ByteBuffer comment = ByteBuffer.allocate(view.size("comment"));
            view.read("comment", comment);
            assertEquals("hello", new String(comment.array(), StandardCharsets.UTF_8));
            if (onPath("getfattr")) {
                String xattrs = run(
                        "getfattr",
                        "--absolute-names",
                        "-d",
                        "-m",
                        "-",
                        "-e",
                        "hex",
                        m.resolve("usr/bin/ping").toString());
                assertTrue(xattrs.contains("user.comment=0x68656c6c6f"), xattrs);
                assertTrue(xattrs.contains("security.capability=0x" + hex(CAPABILITY)), xattrs);
            } else {
                System.out.println("getfattr not installed (apt-get install attr): security.capability not checked");
            }

            assertEquals("200000 4000000000 600 regular file", stat(m.resolve("data/high-ids")));
            if (onPath("getfattr")) {
                String dx = run(
                        "getfattr",
                        "--absolute-names",
                        "-d",
                        "-m",
                        "-",
                        "-e",
                        "hex",
                        m.resolve("labelled").toString());
                assertTrue(dx.contains("user.label=0xff008001"), dx);
            }
            assertEquals(
                    "0 0 666 character special file 1 3",
                    stat(m.resolve("dev/null")) + " " + devno(m.resolve("dev/null")));
            assertEquals(
                    "0 6 660 block special file 8 0", stat(m.resolve("dev/sda")) + " " + devno(m.resolve("dev/sda")));
            assertEquals("300 70000", devno(m.resolve("dev/odd")));
            assertEquals("1000 1000 620 fifo", stat(m.resolve("run/fifo")));

            assertEquals(List.of("c"), list(m.resolve("opaque")));
            assertEquals(List.of("new"), list(m.resolve("wdir")));
            assertEquals(List.of("inside"), list(m.resolve("replaced")));
            assertFalse(Files.exists(m.resolve("gone")));
            assertEquals("original", Files.readString(m.resolve("data/link")));
            assertEquals("replaced in layer 2", Files.readString(m.resolve("data/orig")));
            assertEquals(1, nlink(m.resolve("data/link")));
            assertEquals(1, nlink(m.resolve("data/orig")));
            assertEquals("0 0 755 directory", stat(m.resolve("replaced")));

            assertArrayEquals(big, Files.readAllBytes(m.resolve("data/big")));
            assertArrayEquals(block, Files.readAllBytes(m.resolve("data/block")));
            assertArrayEquals(large, Files.readAllBytes(m.resolve("data/large")));
            assertEquals("0 0 644 regular empty file", stat(m.resolve("data/empty")));

            List<String> many = list(m.resolve("many"));
            assertEquals(600, many.size());
            assertEquals("n599", Files.readString(m.resolve("many/file-with-a-longish-name-0599")));
            assertEquals(
                    "/" + "x".repeat(3000),
                    Files.readSymbolicLink(m.resolve("longlink")).toString());
            assertFalse(Files.exists(m.resolve("nothing")));

            // The guest's view: a static busybox from the image, run in a chroot.
            assertEquals("ok\n", run("chroot", m.toString(), "/bin/busybox", "echo", "ok"));
            assertEquals(
                    "600\n",
                    run("chroot", m.toString(), "/bin/sh", "-c", "/bin/busybox ls /many | /bin/busybox wc -l"));
            assertEquals(
                    "1000:1000 700\n",
                    run("chroot", m.toString(), "/bin/busybox", "stat", "-c", "%u:%g %a", "/home/user"));
        });
    }

    @Test
    void busyboxImageRunsInChroot() throws Exception {
        Path layer = new TestLayer()
                .dir("bin", 0755, 0, 0)
                .file("bin/busybox", Files.readAllBytes(BUSYBOX), 0755, 0, 0)
                .symlink("bin/sh", "busybox", 0, 0)
                .symlink("bin/echo", "/bin/busybox", 0, 0)
                .write(tmp.resolve("busybox.tar.gz"), Compression.GZIP);
        Path img = tmp.resolve("busybox.erofs");
        new RootfsBuilder().build(List.of(layer), img);
        fsck(img);
        withMount(img, m -> {
            assertEquals("ok\n", run("chroot", m.toString(), "/bin/busybox", "echo", "ok"));
            assertEquals("ok\n", run("chroot", m.toString(), "/bin/sh", "-c", "echo ok"));
            assertEquals("ok\n", run("chroot", m.toString(), "/bin/echo", "ok"));
        });
    }

    @Test
    void sameLayersGiveTheSameBytes() throws Exception {
        Path l = new TestLayer()
                .dir("d", 0755, 0, 0)
                .file("d/f", "f")
                .symlink("s", "d/f", 0, 0)
                .hardlink("h", "d/f")
                .write(tmp.resolve("l.tar.gz"), Compression.GZIP);
        Path a = tmp.resolve("a.erofs");
        Path b = tmp.resolve("b.erofs");
        new RootfsBuilder().build(List.of(l), a);
        new RootfsBuilder().build(List.of(l), b);
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
    }

    @Test
    void emptyLayerListGivesAnEmptyRoot() throws Exception {
        Path img = tmp.resolve("empty.erofs");
        RootfsBuilder.Result r = new RootfsBuilder().build(List.of(), img);
        assertEquals(1, r.inodes());
        fsck(img);
        withMount(img, m -> {
            assertEquals(List.of(), list(m));
            assertEquals("0 0 755 directory", stat(m));
        });
    }

    @Test
    void outputIsReplacedOnlyWhenComplete() throws Exception {
        Path good = new TestLayer().file("a", "a").write(tmp.resolve("good.tar"), Compression.NONE);
        Path img = tmp.resolve("out.erofs");
        new RootfsBuilder().build(List.of(good), img);
        byte[] before = Files.readAllBytes(img);
        Path bad = new TestLayer().file("../x", "x").write(tmp.resolve("bad.tar"), Compression.NONE);
        assertThrows(UnsafeEntryException.class, () -> new RootfsBuilder().build(List.of(good, bad), img));
        assertArrayEquals(before, Files.readAllBytes(img));
        assertNoLeftovers(tmp, "good.tar", "bad.tar", "out.erofs");
    }

    // -------------------------------------------------------------------------------- bad input

    @Test
    void refusesDotDot() throws Exception {
        Path l = new TestLayer()
                .dir("etc", 0755, 0, 0)
                .file("../../etc/passwd", "pwned")
                .write(tmp.resolve("evil.tar.gz"), Compression.GZIP);
        assertRefused(UnsafeEntryException.class, "../../etc/passwd", l);
    }

    @Test
    void refusesAbsolutePath() throws Exception {
        Path l = new TestLayer().file("/etc/passwd", "pwned").write(tmp.resolve("abs.tar"), Compression.NONE);
        assertRefused(UnsafeEntryException.class, "/etc/passwd", l);
    }

    @Test
    void refusesPathThroughSymlinkOfALowerLayer() throws Exception {
        Path l1 = new TestLayer().symlink("etc", "/host-etc", 0, 0).write(tmp.resolve("l1.tar"), Compression.NONE);
        Path l2 = new TestLayer().file("etc/passwd", "pwned").write(tmp.resolve("l2.tar.zst"), Compression.ZSTD);
        RootfsException e = assertRefused(UnsafeEntryException.class, "etc/passwd", l1, l2);
        assertTrue(e.getMessage().startsWith("layer 2 (l2.tar.zst)"), e.getMessage());
        assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
    }

    @Test
    void refusesPathThroughSymlinkOfTheSameLayer() throws Exception {
        Path l = new TestLayer()
                .symlink("up", "..", 0, 0)
                .file("up/escape", "x")
                .write(tmp.resolve("same.tar"), Compression.NONE);
        assertRefused(UnsafeEntryException.class, "up/escape", l);
    }

    @Test
    void refusesWhiteoutThroughSymlink() throws Exception {
        Path l1 = new TestLayer().symlink("s", "/", 0, 0).write(tmp.resolve("l1.tar"), Compression.NONE);
        Path l2 = new TestLayer().whiteout("s/.wh.etc").write(tmp.resolve("l2.tar"), Compression.NONE);
        assertRefused(UnsafeEntryException.class, "s/.wh.etc", l1, l2);
    }

    @Test
    void refusesHardlinkOutsideTheTree() throws Exception {
        Path l = new TestLayer().hardlink("passwd", "../../etc/passwd").write(tmp.resolve("hl.tar"), Compression.NONE);
        RootfsException e = assertRefused(UnsafeEntryException.class, "passwd", l);
        assertTrue(e.getMessage().contains("../../etc/passwd"), e.getMessage());
        Path abs = new TestLayer().hardlink("shadow", "/etc/shadow").write(tmp.resolve("hl2.tar"), Compression.NONE);
        assertRefused(UnsafeEntryException.class, "shadow", abs);
    }

    @Test
    void refusesHardlinkToMissingTarget() throws Exception {
        Path l = new TestLayer().hardlink("a", "b").write(tmp.resolve("hl.tar"), Compression.NONE);
        RootfsException e = assertRefused(RootfsException.class, "\"a\"", l);
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void refusesTruncatedGzip() throws Exception {
        Path full = new TestLayer()
                .file("bin/busybox", Files.readAllBytes(BUSYBOX), 0755, 0, 0)
                .write(tmp.resolve("full.tar.gz"), Compression.GZIP);
        byte[] b = Files.readAllBytes(full);
        Path cut = Files.write(tmp.resolve("cut.tar.gz"), Arrays.copyOf(b, b.length / 2));
        Files.delete(full);
        RootfsException e = assertRefused(RootfsException.class, "cut.tar.gz", cut);
        assertTrue(e.getMessage().contains("corrupt or truncated layer (gzip)"), e.getMessage());
        // Only the 8-byte trailer missing: CRC/size cannot be verified.
        Path full2 = new TestLayer().file("a", "a").write(tmp.resolve("full2.tar.gz"), Compression.GZIP);
        byte[] b2 = Files.readAllBytes(full2);
        Path cut2 = Files.write(tmp.resolve("cut2.tar.gz"), Arrays.copyOf(b2, b2.length - 4));
        Files.delete(full2);
        assertRefused(RootfsException.class, "cut2.tar.gz", cut2);
    }

    @Test
    void refusesTruncatedZstdAndTar() throws Exception {
        byte[] data = random(100_000, 7);
        Path z = new TestLayer().file("f", data, 0644, 0, 0).write(tmp.resolve("full.tar.zst"), Compression.ZSTD);
        byte[] zb = Files.readAllBytes(z);
        Files.delete(z);
        Path zcut = Files.write(tmp.resolve("cut.tar.zst"), Arrays.copyOf(zb, zb.length / 2));
        assertRefused(RootfsException.class, "cut.tar.zst", zcut);
        Files.delete(zcut);

        Path t = new TestLayer().file("f", data, 0644, 0, 0).write(tmp.resolve("full.tar"), Compression.NONE);
        byte[] tb = Files.readAllBytes(t);
        Files.delete(t);
        Path tcut = Files.write(tmp.resolve("cut.tar"), Arrays.copyOf(tb, 512 + 50_000));
        RootfsException e = assertRefused(RootfsException.class, "cut.tar", tcut);
        assertTrue(e.getMessage().contains("\"f\""), e.getMessage());
    }

    @Test
    void refusesGarbageAndEmptyFiles() throws Exception {
        Path garbage = Files.write(tmp.resolve("garbage"), random(5000, 9));
        assertRefused(RootfsException.class, "garbage", garbage);
        Files.delete(garbage);
        Path empty = Files.write(tmp.resolve("empty"), new byte[0]);
        assertRefused(RootfsException.class, "empty", empty);
    }

    // ---------------------------------------------------------------------------------- helpers

    private RootfsException assertRefused(Class<? extends RootfsException> type, String entry, Path... layers)
            throws IOException {
        Path outDir = Files.createDirectories(tmp.resolve("out"));
        Path out = outDir.resolve("rootfs.erofs");
        RootfsException e = assertThrows(RootfsException.class, () -> new RootfsBuilder().build(List.of(layers), out));
        System.out.println("refused as expected: " + e.getMessage());
        assertInstanceOf(type, e);
        assertTrue(e.getMessage().contains(entry), e.getMessage());
        assertTrue(e.getMessage().startsWith("layer "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertFalse(Files.exists(out));
        try (Stream<Path> s = Files.list(outDir)) {
            assertEquals(List.of(), s.toList(), "temp files left behind");
        }
        return e;
    }

    private static void assertNoLeftovers(Path dir, String... expected) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = new ArrayList<>(
                    s.map(p -> p.getFileName().toString()).sorted().toList());
            names.remove("out");
            names.remove("mnt");
            assertEquals(Stream.of(expected).sorted().toList(), names);
        }
    }

    interface MountedCheck {
        void check(Path mountPoint) throws Exception;
    }

    private void withMount(Path img, MountedCheck check) throws Exception {
        long uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        skipUnless(uid == 0, "mount-based checks skipped: not root (uid " + uid + ")");
        if (!Files.readString(Path.of("/proc/filesystems")).contains("erofs")) {
            new ProcessBuilder("modprobe", "erofs")
                    .redirectErrorStream(true)
                    .start()
                    .waitFor(10, TimeUnit.SECONDS);
        }
        skipUnless(
                Files.readString(Path.of("/proc/filesystems")).contains("erofs"),
                "mount-based checks skipped: this host kernel has no erofs (modprobe erofs failed)");
        Path mnt = Files.createDirectories(tmp.resolve("mnt"));
        run("mount", "-t", "erofs", "-o", "loop,ro", img.toString(), mnt.toString());
        try {
            check.check(mnt);
        } finally {
            run("umount", mnt.toString());
        }
    }

    private static void skipUnless(boolean condition, String reason) {
        if (!condition) System.out.println(reason);
        Assumptions.assumeTrue(condition, reason);
    }

    static void fsck(Path img) throws Exception {
        if (!onPath("fsck.erofs")) {
            System.out.println("fsck.erofs not installed (apt-get install erofs-utils): skipped");
            return;
        }
        run("fsck.erofs", img.toString());
    }

    private static boolean onPath(String cmd) {
        for (String d : System.getenv()
                .getOrDefault("PATH", "/usr/bin:/bin:/usr/sbin:/sbin")
                .split(":")) {
            if (Files.isExecutable(Path.of(d, cmd))) return true;
        }
        return Files.isExecutable(Path.of("/usr/sbin", cmd)) || Files.isExecutable(Path.of("/sbin", cmd));
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "timeout: " + String.join(" ", cmd));
        String s = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed: " + s);
        return s;
    }

    private static String stat(Path p) throws Exception {
        return run("stat", "-c", "%u %g %a %F", p.toString()).trim();
    }

    private static String devno(Path p) throws Exception {
        return run("stat", "-c", "%Hr %Lr", p.toString()).trim();
    }

    private static Object ino(Path p) throws IOException {
        return Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
    }

    private static int nlink(Path p) throws IOException {
        return (Integer) Files.getAttribute(p, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
    }

    private static List<String> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(x -> x.getFileName().toString()).sorted().toList();
        }
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x", x));
        return sb.toString();
    }
}
