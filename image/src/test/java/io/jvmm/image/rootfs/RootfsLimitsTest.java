package io.jvmm.image.rootfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.image.rootfs.RootfsLimits.Limit;
import io.jvmm.image.rootfs.TestLayer.Compression;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile layers against {@link RootfsLimits}: each is refused with a {@link LimitExceededException}
 * naming the layer, the entry and the limit, quickly, with (almost) nothing spooled and nothing left
 * in the output directory. Bombs are written as headers plus streamed filler, so the test costs
 * only their compressed size.
 */
class RootfsLimitsTest {
    private static final long MiB = 1 << 20;
    private static final long GiB = 1L << 30;
    private static final RootfsLimits ONE_MIB = RootfsLimits.DEFAULT.withUnpackedBytes(MiB);

    @TempDir
    Path tmp;

    // -------------------------------------------------------------------------------- the record

    @Test
    void defaultsAreTheDocumentedOnes() {
        RootfsLimits d = RootfsLimits.DEFAULT;
        assertEquals(8 * GiB, d.unpackedBytes());
        assertEquals(1_000_000, d.entries());
        assertEquals(256, d.pathDepth());
        assertEquals(4096, d.pathBytes());
        assertEquals(65535, d.xattrValueBytes());
        assertEquals(128 << 10, d.xattrBytesPerEntry());
        assertEquals(256 * MiB, d.metadataBytes());
        assertEquals(16 * MiB, d.headerBytesPerEntry());
        assertEquals(d, new RootfsBuilder().limits());
    }

    @Test
    void everyLimitMustBePositiveAndEachWitherChangesOnlyItsOwn() {
        RootfsLimits d = RootfsLimits.DEFAULT;
        List<RootfsLimits> changed = List.of(
                d.withUnpackedBytes(1),
                d.withEntries(1),
                d.withPathDepth(1),
                d.withPathBytes(1),
                d.withXattrValueBytes(1),
                d.withXattrBytesPerEntry(1),
                d.withMetadataBytes(1),
                d.withHeaderBytesPerEntry(1));
        for (int i = 0; i < Limit.values().length; i++) {
            for (Limit l : Limit.values()) {
                assertEquals(l.ordinal() == i ? 1 : l.of(d), l.of(changed.get(i)), l + " after wither " + i);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> d.withPathDepth(0));
        assertEquals("RootfsLimits.pathDepth must be positive: 0", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> d.withUnpackedBytes(-1));
        assertThrows(NullPointerException.class, () -> new RootfsBuilder(null));
    }

    // ----------------------------------------------------------------------- sizes from the header

    @Test
    void gnuSparseFileOf64GiBIsRefusedFromItsHeader() throws Exception {
        Path l = tmp.resolve("sparse.tar");
        try (RawTar t = RawTar.plain(l)) {
            t.gnuSparse("big", 64 * GiB - 1, 512).end();
        }
        assertTrue(Files.size(l) < 10_000);
        LimitExceededException e = refusedQuickly(Limit.UNPACKED_BYTES, RootfsLimits.DEFAULT, l);
        assertEquals("big", e.entry());
        assertEquals(0, spooled(RootfsLimits.DEFAULT, l));
    }

    @Test
    void paxSparseFilesOf64GiBAreRefusedWithoutSpooling() throws Exception {
        // Commons Compress reads PAX sparse sizes as an int, so past 2 GiB the header itself is refused.
        Path l01 = tmp.resolve("pax01.tar");
        try (RawTar t = RawTar.plain(l01)) {
            t.paxSparse01("big", 64 * GiB, 512).end();
        }
        Path l10 = tmp.resolve("pax10.tar");
        try (RawTar t = RawTar.plain(l10)) {
            t.paxSparse10("big", 64 * GiB, 512).end();
        }
        for (Path l : List.of(l01, l10)) {
            assertTrue(Files.size(l) < 10_000);
            long t0 = System.nanoTime();
            refused(RootfsLimits.DEFAULT, l);
            // Refused from the header: nothing spooled (below) is the evidence; the loose bound only
            // shows the 64 GiB were never read (that would take minutes), without timing the machine.
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10), "took more than 10 s");
            assertEquals(0, spooled(RootfsLimits.DEFAULT, l));
        }
    }

    @Test
    void paxSparseFilesCountAtTheirExpandedSize() throws Exception {
        Path l01 = tmp.resolve("pax01.tar");
        try (RawTar t = RawTar.plain(l01)) {
            t.paxSparse01("big", GiB, 512).end();
        }
        Path l10 = tmp.resolve("pax10.tar");
        try (RawTar t = RawTar.plain(l10)) {
            t.paxSparse10("big", GiB, 512).end();
        }
        for (Path l : List.of(l01, l10)) {
            assertEquals("big", refusedQuickly(Limit.UNPACKED_BYTES, ONE_MIB, l).entry());
            assertEquals(0, spooled(ONE_MIB, l));
        }
    }

    @Test
    void hugeSizeWithMissingDataIsRefusedFromTheHeader() throws Exception {
        Path l = tmp.resolve("huge.tar");
        try (RawTar t = RawTar.plain(l)) {
            t.header("huge", '0', 64 * GiB).end();
        }
        LimitExceededException e = refusedQuickly(Limit.UNPACKED_BYTES, RootfsLimits.DEFAULT, l);
        assertTrue(e.getMessage().contains("68719476736 bytes"), e.getMessage());
        assertEquals(0, spooled(RootfsLimits.DEFAULT, l));
    }

    @Test
    void sparseHolesCountAsUnpackedBytes() throws Exception {
        Path l = tmp.resolve("holes.tar");
        try (RawTar t = RawTar.plain(l)) {
            t.gnuSparse("sparse", 15_000, 512)
                    .header("f", '0', 6000)
                    .data('f', 6000)
                    .end();
        }
        // 15,000 expanded + 6,000 + headers: past 20,000, though the tar itself is 9 KiB.
        assertEquals(
                "f",
                refused(Limit.UNPACKED_BYTES, RootfsLimits.DEFAULT.withUnpackedBytes(20_000), l)
                        .entry());
        RootfsBuilder.Result r = new RootfsBuilder(RootfsLimits.DEFAULT.withUnpackedBytes(30_000))
                .build(List.of(l), tmp.resolve("ok.erofs"));
        assertEquals(21_000, r.fileBytes());
    }

    // --------------------------------------------------------------------------------- bombs

    @Test
    void gzipBombOfManyHonestFilesStopsAtTheLimit() throws Exception {
        Path l = tmp.resolve("files.tar.gz");
        try (RawTar t = RawTar.gzip(l)) {
            for (int i = 0; i < 256; i++)
                t.header(String.format("f%03d", i), '0', 256 << 10).data('\0', 256 << 10);
            t.end();
        }
        assertSmallBomb(l, 64 * MiB);
        assertEquals("f003", refused(Limit.UNPACKED_BYTES, ONE_MIB, l).entry());
        assertTrue(spooled(ONE_MIB, l) <= MiB);
    }

    @Test
    void zerosAfterTheEndOfTheArchiveStopAtTheLimit() throws Exception {
        Path gz = tmp.resolve("trailing.tar.gz");
        try (RawTar t = RawTar.gzip(gz)) {
            t.header("a", '0', 1).data('a', 1).end().data('\0', 64 * MiB);
        }
        assertSmallBomb(gz, 64 * MiB);
        LimitExceededException e = refused(Limit.UNPACKED_BYTES, ONE_MIB, gz);
        assertNull(e.entry());
        assertTrue(e.getMessage().contains("after the last entry"), e.getMessage());

        Path zst = tmp.resolve("trailing.tar.zst");
        try (RawTar t = RawTar.zstd(zst)) {
            t.header("a", '0', 1).data('a', 1).end().data('\0', 64 * MiB);
        }
        assertSmallBomb(zst, 64 * MiB);
        refused(Limit.UNPACKED_BYTES, ONE_MIB, zst);
    }

    @Test
    void dataBehindASymlinkStopsAtTheLimit() throws Exception {
        Path l = tmp.resolve("link.tar.gz");
        try (RawTar t = RawTar.gzip(l)) {
            t.link("l", '2', "target", 64 * MiB).data('\0', 64 * MiB).end();
        }
        assertSmallBomb(l, 64 * MiB);
        assertEquals("l", refused(Limit.UNPACKED_BYTES, ONE_MIB, l).entry());
    }

    @Test
    void hugeGnuLongNameOrPaxRecordIsRefusedNotBuffered() throws Exception {
        // Without the header limit the tar reader buffers the whole name: an OutOfMemoryError.
        Path longName = tmp.resolve("longname.tar.gz");
        try (RawTar t = RawTar.gzip(longName)) {
            t.header("././@LongLink", 'L', 64 * MiB)
                    .data('a', 64 * MiB)
                    .header("x", '0', 0)
                    .end();
        }
        Path paxRecord = tmp.resolve("pax.tar.gz");
        try (RawTar t = RawTar.gzip(paxRecord)) {
            t.paxRecordBomb("path", 64 * MiB).header("x", '0', 0).end();
        }
        for (Path l : List.of(longName, paxRecord)) {
            assertSmallBomb(l, 64 * MiB);
            LimitExceededException e = refused(Limit.HEADER_BYTES_PER_ENTRY, RootfsLimits.DEFAULT, l);
            assertTrue(e.getMessage().contains("reading the headers of entry 1"), e.getMessage());
        }
    }

    // ------------------------------------------------------------------------------- counts

    @Test
    void tooManyEntriesAreRefused() throws Exception {
        TestLayer t = new TestLayer();
        for (int i = 0; i < 150; i++) t.file(String.format("f%03d", i), "");
        Path l = t.write(tmp.resolve("many.tar"), Compression.NONE);
        assertEquals(
                "f100",
                refused(Limit.ENTRIES, RootfsLimits.DEFAULT.withEntries(100), l).entry());
    }

    @Test
    void directoriesMadeForMissingParentsCountAsEntries() throws Exception {
        Path l = new TestLayer().file("a/".repeat(20) + "f", "f").write(tmp.resolve("deep.tar"), Compression.NONE);
        refused(Limit.ENTRIES, RootfsLimits.DEFAULT.withEntries(10), l);
    }

    @Test
    void metadataOverAllLayersIsBounded() throws Exception {
        TestLayer t = new TestLayer();
        for (int i = 0; i < 100; i++) t.symlink(String.format("l%03d", i), "x".repeat(1000), 0, 0);
        Path l = t.write(tmp.resolve("links.tar.gz"), Compression.GZIP);
        RootfsLimits limits = RootfsLimits.DEFAULT.withMetadataBytes(64 << 10);
        assertEquals("l065", refused(Limit.METADATA_BYTES, limits, l).entry()); // 65 * 1004 bytes fit
    }

    @Test
    void xattrValueAndTotalPerEntryAreBounded() throws Exception {
        Path big = new TestLayer()
                .file("f", new byte[0], 0644, 0, 0, Map.of("user.big", ascii(65536)))
                .write(tmp.resolve("big.tar"), Compression.NONE);
        LimitExceededException e = refused(Limit.XATTR_VALUE_BYTES, RootfsLimits.DEFAULT, big);
        assertTrue(e.getMessage().contains("user.big"), e.getMessage());
        Files.delete(big);

        Path small = new TestLayer()
                .file("f", new byte[0], 0644, 0, 0, Map.of("user.v", ascii(101)))
                .write(tmp.resolve("small.tar"), Compression.NONE);
        refused(Limit.XATTR_VALUE_BYTES, RootfsLimits.DEFAULT.withXattrValueBytes(100), small);
        Files.delete(small);

        Path many = new TestLayer()
                .file(
                        "f",
                        new byte[0],
                        0644,
                        0,
                        0,
                        Map.of(
                                "user.a",
                                ascii(1000),
                                "user.b",
                                ascii(1000),
                                "user.c",
                                ascii(1000),
                                "user.d",
                                ascii(1000),
                                "user.e",
                                ascii(1000)))
                .write(tmp.resolve("many.tar"), Compression.NONE);
        refused(Limit.XATTR_BYTES_PER_ENTRY, RootfsLimits.DEFAULT.withXattrBytesPerEntry(4096), many);
    }

    @Test
    void warningsAreCapped() throws Exception {
        TestLayer t = new TestLayer();
        for (int i = 0; i < 150; i++) {
            t.file("f" + i, new byte[0], 0644, 0, 0, Map.of("trusted.overlay.opaque", ascii(1)));
        }
        RootfsBuilder.Result r = new RootfsBuilder()
                .build(List.of(t.write(tmp.resolve("w.tar"), Compression.NONE)), tmp.resolve("w.erofs"));
        assertEquals(101, r.warnings().size());
        assertEquals("further warnings were not recorded", r.warnings().get(100));
    }

    // ------------------------------------------------------------------------------- depth

    @Test
    void pathLengthIsBoundedAtExactlyTheLimit() throws Exception {
        String at = String.join("/", Collections.nCopies(17, "n".repeat(240))); // 4096 bytes
        assertEquals(4096, at.length());
        Path ok = new TestLayer().file(at, "f").write(tmp.resolve("ok.tar"), Compression.NONE);
        new RootfsBuilder().build(List.of(ok), tmp.resolve("ok.erofs"));
        Path over = new TestLayer().file(at + "n", "f").write(tmp.resolve("over.tar"), Compression.NONE);
        refused(Limit.PATH_BYTES, RootfsLimits.DEFAULT, over);
    }

    @Test
    void treeAtTheDepthLimitWithOpaqueDirectoriesBuilds() throws Exception {
        int depth = RootfsLimits.DEFAULT.pathDepth();
        TestLayer lower = new TestLayer();
        TestLayer upper = new TestLayer();
        for (int i = 1; i < depth; i++) {
            lower.file("d/".repeat(i) + "old", "old");
            upper.dir("d/".repeat(i), 0755, 0, 0).whiteout("d/".repeat(i) + LayerApplier.OPAQUE);
        }
        lower.file("d/".repeat(depth - 1) + "x", "x");
        upper.file("d/".repeat(depth - 1) + "y", "y");
        Path img = tmp.resolve("deep.erofs");
        RootfsBuilder.Result r = new RootfsBuilder()
                .build(
                        List.of(
                                lower.write(tmp.resolve("l1.tar.gz"), Compression.GZIP),
                                upper.write(tmp.resolve("l2.tar.gz"), Compression.GZIP)),
                        img);
        assertEquals(1 + (depth - 1) + 1, r.inodes()); // root, the directories, y: every "old" and x hidden
        RootfsBuilderTest.fsck(img);

        Path over =
                new TestLayer().file("d/".repeat(depth) + "f", "f").write(tmp.resolve("over.tar"), Compression.NONE);
        refused(Limit.PATH_DEPTH, RootfsLimits.DEFAULT, over);
    }

    @Test
    void twentyThousandNestedOpaqueDirectoriesAreRefusedOnTheirDepth() throws Exception {
        Path l = nestedOpaque(20_000);
        Path out = Files.createDirectories(tmp.resolve("out")).resolve("rootfs.erofs");
        Throwable t = onSmallStack(() -> new RootfsBuilder().build(List.of(l), out));
        LimitExceededException e = assertInstanceOf(LimitExceededException.class, t);
        assertEquals(Limit.PATH_DEPTH, e.limit());
        assertEquals("d/".repeat(256) + LayerApplier.OPAQUE, e.entry()); // the 257th component
        assertNoOutput();
    }

    @Test
    void deepTreeWithinRaisedLimitsDoesNotOverflowTheStack() throws Exception {
        int depth = 20_000;
        Path l1 = tmp.resolve("l1.tar.gz");
        try (RawTar t = RawTar.gzip(l1)) {
            t.named("d/".repeat(depth) + "f", '0', 1).data('f', 1).end();
        }
        // Layer 2 touches every directory on the way to g, then hides layer 1 from the root down.
        Path l2 = tmp.resolve("l2.tar.gz");
        try (RawTar t = RawTar.gzip(l2)) {
            t.named("d/".repeat(depth) + "g", '0', 1).data('g', 1).named(LayerApplier.OPAQUE, '0', 0);
            for (int i = 1000; i <= depth; i += 1000) t.named("d/".repeat(i) + LayerApplier.OPAQUE, '0', 0);
            t.end();
        }
        RootfsLimits raised = RootfsLimits.DEFAULT.withPathDepth(depth + 1).withPathBytes(3 * depth);
        Path img = tmp.resolve("deep.erofs");
        Throwable thrown = onSmallStack(() -> {
            RootfsBuilder.Result r = new RootfsBuilder(raised).build(List.of(l1, l2), img);
            assertEquals(1 + depth + 1, r.inodes()); // root, the directories, g (f is hidden)
        });
        assertNull(thrown, () -> "build failed: " + thrown);
    }

    /** Many opaque markers of one directory in one layer purge it once: what the layer added stays. */
    @Test
    void manyOpaqueWhiteoutsOfOneDirectoryKeepTheLayersOwnEntries() throws Exception {
        int n = 5_000;
        Path lower = new TestLayer().file("dir/old", "old").write(tmp.resolve("l1.tar"), Compression.NONE);
        Path upper = tmp.resolve("l2.tar.gz");
        try (RawTar t = RawTar.gzip(upper)) {
            for (int i = 0; i < n; i++) t.header("dir/f" + i, '0', 0);
            for (int i = 0; i < n; i++) t.header("dir/" + LayerApplier.OPAQUE, '0', 0);
            t.end();
        }
        RootfsBuilder.Result r = new RootfsBuilder().build(List.of(lower, upper), tmp.resolve("opq.erofs"));
        assertEquals(2 + n, r.inodes(), "root, dir and the layer's own files; the lower layer's old is gone");
    }

    // ----------------------------------------------------------------------------- helpers

    /** A layer of directories nested {@code depth} deep, each with an opaque whiteout. */
    private Path nestedOpaque(int depth) throws IOException {
        // The tar holds every level up to 300 and then the deepest one: a layer of all 20,000 levels
        // would be 800 MB of path names, and the reader stops at the depth limit (256) anyway.
        Path l = tmp.resolve("nested.tar.gz");
        try (RawTar t = RawTar.gzip(l)) {
            for (int i = 1; i <= 300; i++) {
                t.named("d/".repeat(i), '5', 0).named("d/".repeat(i) + LayerApplier.OPAQUE, '0', 0);
            }
            t.named("d/".repeat(depth), '5', 0)
                    .named("d/".repeat(depth) + LayerApplier.OPAQUE, '0', 0)
                    .end();
        }
        return l;
    }

    interface Build {
        void run() throws Exception;
    }

    /** Runs {@code build} on a thread with a 256 KiB stack: a recursion over 20,000 levels overflows it. */
    private static Throwable onSmallStack(Build build) throws InterruptedException {
        Throwable[] thrown = new Throwable[1];
        Thread t = Thread.ofPlatform().stackSize(256 << 10).start(() -> {
            try {
                build.run();
            } catch (Throwable e) {
                thrown[0] = e;
            }
        });
        t.join();
        assertFalse(thrown[0] instanceof StackOverflowError, "stack overflow");
        return thrown[0];
    }

    private LimitExceededException refusedQuickly(Limit limit, RootfsLimits limits, Path... layers) throws IOException {
        long t0 = System.nanoTime();
        LimitExceededException e = refused(limit, limits, layers);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(ms < 10_000, "refused after " + ms + " ms: the data was read, not the header judged");
        return e;
    }

    private LimitExceededException refused(Limit limit, RootfsLimits limits, Path... layers) throws IOException {
        RootfsException e = refused(limits, layers);
        LimitExceededException le = assertInstanceOf(LimitExceededException.class, e);
        assertEquals(limit, le.limit());
        assertTrue(e.getMessage().endsWith("(limit RootfsLimits." + limit + ")"), e.getMessage());
        return le;
    }

    /** Builds, expecting a refusal: one line naming the layer, and nothing left in the output directory. */
    private RootfsException refused(RootfsLimits limits, Path... layers) throws IOException {
        Path out = Files.createDirectories(tmp.resolve("out")).resolve("rootfs.erofs");
        RootfsException e =
                assertThrows(RootfsException.class, () -> new RootfsBuilder(limits).build(List.of(layers), out));
        System.out.println("refused as expected: " + e.getMessage());
        RootfsException re = e;
        assertTrue(e.getMessage().startsWith("layer "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertNoOutput();
        return re;
    }

    private void assertNoOutput() throws IOException {
        try (Stream<Path> s = Files.list(Files.createDirectories(tmp.resolve("out")))) {
            assertEquals(List.of(), s.toList(), "output or temp files left behind");
        }
    }

    /** How many bytes applying {@code layer} put in the spool before it was refused. */
    private long spooled(RootfsLimits limits, Path layer) throws IOException {
        try (Spool spool = new Spool(Files.createDirectories(tmp.resolve("spool")))) {
            LayerApplier a = new LayerApplier(new Node(Node.S_IFDIR | 0755), spool, limits, new ArrayList<>());
            assertThrows(RootfsException.class, () -> a.apply(0, layer));
            return spool.size();
        }
    }

    private static void assertSmallBomb(Path layer, long unpacked) throws IOException {
        assertTrue(Files.size(layer) * 100 < unpacked, layer + " is " + Files.size(layer) + " bytes");
    }

    private static byte[] ascii(int n) {
        return "v".repeat(n).getBytes(StandardCharsets.US_ASCII);
    }
}
