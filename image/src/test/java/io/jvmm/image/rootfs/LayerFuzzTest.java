package io.jvmm.image.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Jazzer target for the root-image build from layer tars ({@link RootfsBuilder}, so
 * {@code LayerApplier}'s tar reading and whiteouts and {@code ErofsWriter}): the input is an upper
 * layer (tar, gzip or zstd: the builder detects which) applied over a fixed lower layer that holds
 * directories, files, a hard link, a device and symbolic links pointing inside, up and out of the
 * root. A build either fails with the exceptions it documents ({@link RootfsException},
 * {@link UnsafeEntryException}) and leaves nothing behind, or writes an image whose directory tree
 * stays below its root: every name is one path component, and "." and ".." lead to the directory
 * itself and its parent.
 *
 * <p>A plain build runs the inputs in {@code LayerFuzzTestInputs/upperLayer} (resources); {@code -Pfuzz}
 * fuzzes (module README, Fuzzing).
 */
class LayerFuzzTest {
    /** tmpfs when there is one: the builder fsyncs its output, which a disk makes slow. */
    private static final Path WORK = workDir();

    private static final Path LOWER = WORK.resolve("lower.tar"),
            UPPER = WORK.resolve("upper.tar"),
            OUT = WORK.resolve("out.erofs");

    private static Path workDir() {
        try {
            Path shm = Path.of("/dev/shm");
            Path dir = Files.isDirectory(shm) && Files.isWritable(shm)
                    ? Files.createTempDirectory(shm, "jvmm-layer-fuzz-")
                    : Files.createTempDirectory("jvmm-layer-fuzz-");
            // Registered in this order so the files go first and the directory last.
            for (Path p : List.of(dir, dir.resolve("lower.tar"), dir.resolve("upper.tar")))
                p.toFile().deleteOnExit();
            Files.write(dir.resolve("lower.tar"), lower());
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] lower() throws IOException {
        return new TestLayer()
                .dir("etc", 0755, 0, 0)
                .file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")
                .dir("usr/bin", 0755, 0, 0)
                .file("usr/bin/busybox", "#!".getBytes(StandardCharsets.UTF_8), 0755, 0, 0)
                .hardlink("usr/bin/sh", "usr/bin/busybox")
                .dir("var/log", 0755, 0, 0)
                .file("var/log/messages", "x")
                .symlink("bin", "usr/bin", 0, 0)
                .symlink("up", "..", 0, 0)
                .symlink("out", "../../../../etc", 0, 0)
                .symlink("abs", "/etc", 0, 0)
                .device("dev/null", false, 1, 3, 0666, 0, 0)
                .fifo("run/fifo", 0600, 0, 0)
                .tarBytes();
    }

    @FuzzTest
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void upperLayer(byte[] input) throws IOException {
        build(input);
    }

    /** Builds lower + {@code upper}; returns the image's names below the root, or the refusal. */
    static Object build(byte[] upper) throws IOException {
        Files.write(UPPER, upper);
        try {
            RootfsBuilder.Result r = new RootfsBuilder().build(List.of(LOWER, UPPER), OUT);
            assertEquals(Set.of("lower.tar", "upper.tar", "out.erofs"), listWork(), "files beside the image");
            List<String> paths = ErofsTree.paths(Files.readAllBytes(r.image()));
            assertTrue(paths.size() + 1 >= r.inodes(), paths.size() + " names for " + r.inodes() + " inodes");
            return paths;
        } catch (RootfsException | IOException e) {
            // RootfsException for what is wrong with a layer; an IOException is the host's (disk full).
            assertEquals(Set.of("lower.tar", "upper.tar"), listWork(), "a failed build left files behind");
            return e;
        } finally {
            Files.deleteIfExists(OUT);
        }
    }

    private static Set<String> listWork() throws IOException {
        try (Stream<Path> s = Files.list(WORK)) {
            return new HashSet<>(s.map(p -> p.getFileName().toString()).toList());
        }
    }

    /**
     * Reads back the directory tree of an image as {@code ErofsWriter} lays it out (extended
     * inodes, FLAT_PLAIN or FLAT_INLINE, dirents in 4 KiB blocks) and checks that it is a tree
     * under the root.
     */
    static final class ErofsTree {
        private static final int BLK = 4096;
        private final ByteBuffer img;
        private final long metaBase;
        private final List<String> paths = new ArrayList<>();
        private final Set<Long> dirsSeen = new HashSet<>();

        private ErofsTree(byte[] image) {
            img = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(ErofsWriter.MAGIC, img.getInt(1024), "superblock magic");
            assertEquals(image.length, (long) img.getInt(1024 + 36) * BLK, "image size in the superblock");
            metaBase = (long) img.getInt(1024 + 40) * BLK;
        }

        static List<String> paths(byte[] image) {
            ErofsTree t = new ErofsTree(image);
            t.walk(t.img.getShort(1024 + 14) & 0xffff);
            return t.paths;
        }

        private int inode(long nid) {
            long at = metaBase + 32 * nid;
            assertTrue(at >= metaBase && at + 64 <= img.capacity(), "inode " + nid + " outside the image");
            return (int) at;
        }

        private boolean isDir(long nid) {
            return (img.getShort(inode(nid) + 4) & 0170000) == 0040000;
        }

        /** The inode's data: whole blocks at i_u, then for FLAT_INLINE the tail after the inode. */
        private byte[] data(long nid) {
            int at = inode(nid);
            int layout = (img.getShort(at) >> 1) & 7;
            long size = img.getLong(at + 8);
            assertTrue(size >= 0 && size < img.capacity(), "size " + size);
            int icount = img.getShort(at + 2) & 0xffff;
            int xattrs = icount == 0 ? 0 : 12 + 4 * (icount - 1);
            long blocks = layout == ErofsWriter.FLAT_INLINE ? size / BLK : (size + BLK - 1) / BLK;
            long blkaddr = Integer.toUnsignedLong(img.getInt(at + 16));
            byte[] out = new byte[(int) size];
            long plain = Math.min(size, blocks * BLK);
            assertTrue(
                    blocks == 0 || (blkaddr + blocks) * BLK <= img.capacity(),
                    "data of inode " + nid + " past the end");
            img.get((int) (blkaddr * BLK), out, 0, (int) plain);
            if (plain < size) {
                assertEquals(ErofsWriter.FLAT_INLINE, layout, "a tail without FLAT_INLINE");
                int tail = at + 64 + xattrs;
                assertTrue(tail + (size - plain) <= img.capacity(), "inline tail past the end");
                img.get(tail, out, (int) plain, (int) (size - plain));
            }
            return out;
        }

        /** Breadth first, not recursive: a layer may nest directories deeper than the stack. */
        private void walk(long root) {
            ArrayDeque<Object[]> todo = new ArrayDeque<>();
            todo.add(new Object[] {root, root, ""});
            while (!todo.isEmpty()) {
                Object[] t = todo.poll();
                long nid = (Long) t[0], parent = (Long) t[1];
                String path = (String) t[2];
                assertTrue(dirsSeen.add(nid), "directory " + path + " reached twice: not a tree");
                for (var e : entries(nid, parent, path).entrySet()) {
                    // Deep trees share one capped prefix: full paths would cost depth squared.
                    String child = path.length() < 4096 ? path + "/" + e.getKey() : path;
                    paths.add(child);
                    if (isDir(e.getValue())) todo.add(new Object[] {e.getValue(), nid, child});
                }
            }
        }

        /** The directory's entries but "." and "..", which must lead to itself and its parent. */
        private Map<String, Long> entries(long nid, long parent, String path) {
            byte[] d = data(nid);
            ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
            Map<String, Long> entries = new TreeMap<>();
            for (int base = 0; base < d.length; base += BLK) {
                int end = Math.min(d.length, base + BLK);
                int n = (b.getShort(base + 8) & 0xffff) / 12;
                assertTrue(n > 0 && base + 12L * n <= end, "dirent block of " + path);
                for (int k = 0; k < n; k++) {
                    int de = base + 12 * k;
                    int from = base + (b.getShort(de + 8) & 0xffff);
                    int to = k + 1 < n ? base + (b.getShort(de + 20) & 0xffff) : end;
                    assertTrue(from < to && to <= end, "name bounds in " + path);
                    String name = new String(d, from, to - from, StandardCharsets.UTF_8);
                    if (k + 1 == n && name.indexOf('\0') >= 0) name = name.substring(0, name.indexOf('\0'));
                    assertTrue(entries.put(name, b.getLong(de)) == null, "two entries " + name + " in " + path);
                }
            }
            assertEquals(nid, entries.remove("."), "\".\" of " + path);
            assertEquals(parent, entries.remove(".."), "\"..\" of " + path);
            for (String name : entries.keySet()) {
                if (name.isEmpty()
                        || name.contains("/")
                        || name.indexOf('\0') >= 0
                        || name.equals(".")
                        || name.equals("..")) {
                    fail("entry \"" + name + "\" in " + path + " is not one path component");
                }
            }
            return entries;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Seeds: upper layers of each kind, written by SeedWriter.main; the test checks what each does.

    private static final Path SEEDS = Path.of("src/test/resources/io/jvmm/image/rootfs/LayerFuzzTestInputs/upperLayer");

    @Test
    void seedsBuildOrAreRefusedAsIntended() throws IOException {
        // Read back from disk (tar headers carry the writer's user name, so SeedWriter's bytes vary).
        @SuppressWarnings("unchecked")
        List<String> all = (List<String>) build(seed("every-type"));
        assertTrue(
                all.containsAll(
                        List.of("/a/f", "/a/h", "/a/s", "/a/chr", "/a/blk", "/a/fifo", "/etc/passwd", "/up", "/out")),
                all.toString());
        @SuppressWarnings("unchecked")
        List<String> whiteouts = (List<String>) build(seed("whiteouts"));
        assertTrue(
                !whiteouts.contains("/etc/passwd")
                        && !whiteouts.contains("/var/log/messages")
                        && !whiteouts.contains("/usr/bin/busybox")
                        && whiteouts.contains("/usr/bin/new"),
                whiteouts.toString());
        assertEquals(all, build(seed("every-type.gz")));
        assertInstanceOf(List.class, build(seed("long-names")));
        assertInstanceOf(UnsafeEntryException.class, build(seed("through-symlink")));
        assertInstanceOf(UnsafeEntryException.class, build(seed("dot-dot")));
        assertThrows(AssertionError.class, () -> ErofsTree.paths(new byte[8192]), "the walker checks what it reads");
    }

    private static byte[] seed(String name) throws IOException {
        return Files.readAllBytes(SEEDS.resolve(name));
    }

    /** Builds the seed inputs; {@code main} writes them into the inputs directory. */
    static final class SeedWriter {
        static Map<String, byte[]> seeds() throws IOException {
            Map<String, byte[]> s = new TreeMap<>();
            TestLayer every = new TestLayer()
                    .dir("./", 0755, 0, 0)
                    .dir("a", 0700, 1000, 1000)
                    .file(
                            "a/f",
                            "data".getBytes(StandardCharsets.UTF_8),
                            04755,
                            0,
                            0,
                            Map.of(
                                    "user.x",
                                    "1".getBytes(StandardCharsets.UTF_8),
                                    "security.capability",
                                    RootfsBuilderTest.CAPABILITY))
                    .symlink("a/s", "f", 0, 0)
                    .hardlink("a/h", "a/f")
                    .device("a/chr", false, 5, 1, 0600, 0, 0)
                    .device("a/blk", true, 8, 0, 0600, 0, 0)
                    .fifo("a/fifo", 0644, 0, 0);
            byte[] everyTar = every.tarBytes();
            s.put("every-type", everyTar);
            ByteArrayOutputStream gz = new ByteArrayOutputStream();
            try (var out = new org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream(gz)) {
                out.write(everyTar);
            }
            s.put("every-type.gz", gz.toByteArray());
            s.put(
                    "whiteouts",
                    new TestLayer()
                            .whiteout("etc/.wh.passwd")
                            .whiteout("var/.wh.log")
                            .whiteout("usr/bin/.wh..wh..opq")
                            .file("usr/bin/new", "n")
                            .tarBytes());
            s.put("long-names", gnuLongNames());
            s.put("through-symlink", new TestLayer().file("out/shadow", "x").tarBytes());
            s.put("dot-dot", new TestLayer().file("a/../../x", "x").tarBytes());
            return s;
        }

        /** GNU long names and link targets (TestLayer writes PAX), and a non-ASCII name. */
        private static byte[] gnuLongNames() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (TarArchiveOutputStream tar = new TarArchiveOutputStream(b, "UTF-8")) {
                tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_GNU);
                String dir = "d".repeat(120) + "/";
                TarArchiveEntry e = new TarArchiveEntry(dir + "ünïcode-" + "f".repeat(100));
                e.setSize(2);
                e.setLastModifiedTime(FileTime.from(TestLayer.MTIME));
                tar.putArchiveEntry(e);
                tar.write(new byte[] {'h', 'i'});
                tar.closeArchiveEntry();
                TarArchiveEntry l = new TarArchiveEntry(
                        dir + "link", org.apache.commons.compress.archivers.tar.TarConstants.LF_SYMLINK);
                l.setLinkName("x/".repeat(80) + "target");
                l.setLastModifiedTime(FileTime.from(TestLayer.MTIME));
                tar.putArchiveEntry(l);
                tar.closeArchiveEntry();
            }
            return b.toByteArray();
        }

        public static void main(String[] args) throws IOException {
            Files.createDirectories(SEEDS);
            for (var e : seeds().entrySet()) Files.write(SEEDS.resolve(e.getKey()), e.getValue());
        }
    }
}
