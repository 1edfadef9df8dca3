package io.jvmm.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resume, verification and retries of {@link BlobDownloader} against a stub blob server. */
class BlobDownloaderTest {
    static final int SIZE = 200_000;
    static final int DROP_AFTER = 50_000;

    /** How the stub answers a blob GET. */
    enum Mode {
        RANGES,
        IGNORE_RANGE,
        WRONG_RANGE_ONCE,
        DROP_ONCE,
        DROP_ALWAYS,
        TAMPERED,
        SLOW
    }

    @TempDir
    Path dir;

    StubServer server;
    ContentStore store;
    ImageReference ref;
    final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
    volatile Mode mode = Mode.RANGES;
    final AtomicInteger served = new AtomicInteger();
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    final Set<String> threads = ConcurrentHashMap.newKeySet();
    byte[] blob;
    Descriptor desc;

    final PullListener listener = new PullListener() {
        @Override
        public void cached(Descriptor b) {
            events.add("cached");
        }

        @Override
        public void started(Descriptor b, long resumedAt) {
            threads.add(Thread.currentThread().getName());
            events.add("started " + resumedAt);
        }

        @Override
        public void done(Descriptor b) {
            events.add("done");
        }

        @Override
        public void retrying(Descriptor b, int attempt, String why) {
            events.add("retrying " + attempt);
        }
    };

    @BeforeEach
    void setUp() throws Exception {
        server = new StubServer(this::serve);
        store = ContentStore.open(dir.resolve("store"));
        ref = ImageReference.parse(server.host() + "/app:1");
        blob = bytes(SIZE, 1);
        desc = add(blob);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    static byte[] bytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    Descriptor add(byte[] content) {
        Digest d = Digest.of(content);
        blobs.put(d.toString(), content);
        return new Descriptor(MediaTypes.OCI_LAYER_GZIP, d, content.length);
    }

    BlobDownloader downloader(int attempts) {
        RegistryHttp http = new RegistryHttp(Set.of(server.host()), Duration.ofSeconds(5), Duration.ofSeconds(10));
        return new BlobDownloader(http, new RegistryAuth(http, Map.of(), null), 3, attempts, listener);
    }

    private void serve(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        byte[] b = blobs.get(path.substring(path.lastIndexOf('/') + 1));
        if (b == null) {
            StubServer.send(
                    ex,
                    404,
                    Map.of(),
                    "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\",\"message\":\"blob unknown to registry\"}]}");
            return;
        }
        int n = served.incrementAndGet();
        String range = ex.getRequestHeaders().getFirst("Range");
        int from = range == null ? 0 : Integer.parseInt(range.substring("bytes=".length(), range.indexOf('-')));
        Mode m = mode;
        if (m == Mode.IGNORE_RANGE || (m == Mode.WRONG_RANGE_ONCE && n == 1)) from = 0;
        if (m == Mode.TAMPERED) {
            b = b.clone();
            b[b.length / 2] ^= 1;
        }
        if (range != null && m != Mode.IGNORE_RANGE) {
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (b.length - 1) + "/" + b.length);
        }
        ex.sendResponseHeaders(range != null && m != Mode.IGNORE_RANGE ? 206 : 200, b.length - from);
        OutputStream out = ex.getResponseBody();
        if (m == Mode.DROP_ALWAYS || (m == Mode.DROP_ONCE && n == 1)) {
            out.write(b, from, Math.min(DROP_AFTER, b.length - from));
            out.flush();
            return; // closing the exchange short of its Content-Length cuts the connection
        }
        for (int off = from; off < b.length; off += 16 << 10) {
            out.write(b, off, Math.min(16 << 10, b.length - off));
            out.flush();
            if (m == Mode.SLOW) sleep(20);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private List<String> ranges() {
        return server.requests("/v2/").stream()
                .map(r -> r.range() == null ? "none" : r.range())
                .toList();
    }

    private Path partial() {
        return store.partialPath(desc.digest());
    }

    @Test
    void aPartialFileIsResumedWithARangeRequest() throws Exception {
        Files.write(partial(), Arrays.copyOf(blob, 70_000));
        BlobDownloader d = downloader(3);
        Path p = d.download(ref, desc, store);
        assertEquals(partial(), p);
        assertArrayEquals(blob, Files.readAllBytes(p));
        assertEquals(List.of("bytes=70000-"), ranges());
        assertEquals(List.of("started 70000", "done"), events);
        assertEquals(1, d.requests());
    }

    @Test
    void aServerThatIgnoresTheRangeIsReadFromZero() throws Exception {
        mode = Mode.IGNORE_RANGE;
        Files.write(partial(), Arrays.copyOf(blob, 70_000));
        assertArrayEquals(blob, Files.readAllBytes(downloader(3).download(ref, desc, store)));
        assertEquals(List.of("bytes=70000-"), ranges());
        assertEquals(List.of("started 0", "done"), events);
    }

    @Test
    void anotherRangeThanAskedStartsOver() throws Exception {
        mode = Mode.WRONG_RANGE_ONCE;
        Files.write(partial(), Arrays.copyOf(blob, 70_000));
        assertArrayEquals(blob, Files.readAllBytes(downloader(3).download(ref, desc, store)));
        assertEquals(List.of("bytes=70000-", "none"), ranges());
    }

    @Test
    void aDroppedConnectionIsResumedWhereItStopped() throws Exception {
        mode = Mode.DROP_ONCE;
        assertArrayEquals(blob, Files.readAllBytes(downloader(3).download(ref, desc, store)));
        List<String> ranges = ranges();
        assertEquals(2, ranges.size(), ranges.toString());
        assertEquals("none", ranges.get(0));
        long resumedAt = Long.parseLong(
                ranges.get(1).substring("bytes=".length(), ranges.get(1).length() - 1));
        assertTrue(resumedAt > 0 && resumedAt <= DROP_AFTER, ranges.toString());
        assertEquals(List.of("started 0", "retrying 2", "started " + resumedAt, "done"), events);
    }

    @Test
    void retriesGiveUpAndKeepThePartialFile() {
        mode = Mode.DROP_ALWAYS;
        BlobDownloader d = downloader(2);
        ImageException e = assertThrows(ImageException.class, () -> d.download(ref, desc, store));
        assertEquals(ImageException.Kind.UNREACHABLE, e.kind());
        assertTrue(
                e.getMessage()
                        .startsWith("download of blob " + desc.digest() + " of " + ref + " from " + server.host()
                                + " failed after 2 attempts: "),
                e.getMessage());
        assertTrue(e.getMessage().endsWith(" (partial download kept; pull again to resume)"), e.getMessage());
        assertEquals(2, d.requests());
        assertTrue(ranges().get(1).startsWith("bytes="), ranges().toString());
        assertTrue(partial().toFile().length() > DROP_AFTER, "both attempts' bytes are kept");
    }

    @Test
    void moreBytesThanDeclaredStopTheDownloadAtOnce() {
        Descriptor small = new Descriptor(desc.mediaType(), desc.digest(), SIZE - 10);
        BlobDownloader d = downloader(3);
        ImageException e = assertThrows(ImageException.class, () -> d.download(ref, small, store));
        assertEquals(ImageException.Kind.DIGEST_MISMATCH, e.kind());
        assertEquals(
                "size mismatch for blob " + desc.digest() + " of " + ref + ": the registry sent more than the "
                        + (SIZE - 10) + " bytes the manifest declares (nothing stored)",
                e.getMessage());
        assertEquals(1, d.requests(), "not retried");
        assertEquals(0, partial().toFile().length());
    }

    @Test
    void aWrongDigestDeletesThePartialFile() {
        mode = Mode.TAMPERED;
        ImageException e =
                assertThrows(ImageException.class, () -> downloader(3).download(ref, desc, store));
        assertEquals(ImageException.Kind.DIGEST_MISMATCH, e.kind());
        assertTrue(
                e.getMessage()
                        .startsWith("digest mismatch for blob " + desc.digest() + " of " + ref + ": expected "
                                + desc.digest() + ", got sha256:"),
                e.getMessage());
        assertFalse(Files.exists(partial()));
        assertFalse(events.contains("done"));
    }

    @Test
    void aCompletePartialFileNeedsNoRequest() throws Exception {
        Files.write(partial(), blob);
        BlobDownloader d = downloader(3);
        assertArrayEquals(blob, Files.readAllBytes(d.download(ref, desc, store)));
        assertEquals(0, d.requests());
        assertEquals(List.of("started " + SIZE, "done"), events);
    }

    @Test
    void aPartialFileLongerThanTheBlobIsDiscarded() throws Exception {
        byte[] longer = Arrays.copyOf(blob, SIZE + 100);
        Files.write(partial(), longer);
        assertArrayEquals(blob, Files.readAllBytes(downloader(3).download(ref, desc, store)));
        assertEquals(List.of("none"), ranges());
    }

    @Test
    void aBlobAlreadyInTheStoreIsNotDownloaded() {
        store.putBlob(blob, desc.digest());
        BlobDownloader d = downloader(3);
        assertNull(d.download(ref, desc, store));
        assertEquals(0, d.requests());
        assertFalse(Files.exists(partial()));
        assertEquals(List.of("cached"), events);
    }

    @Test
    void concurrentDownloadsOfOneBlobMakeOneRequest() throws Exception {
        mode = Mode.SLOW;
        BlobDownloader a = downloader(3);
        BlobDownloader b = downloader(3);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Path> fa = pool.submit(() -> a.download(ref, desc, store));
            Future<Path> fb = pool.submit(() -> b.download(ref, desc, store));
            assertEquals(partial(), fa.get());
            assertEquals(partial(), fb.get());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, a.requests() + b.requests(), "the second waited for the first and found the file complete");
        assertArrayEquals(blob, Files.readAllBytes(partial()));
    }

    @Test
    void severalBlobsDownloadOnThePool() throws Exception {
        Descriptor two = add(bytes(SIZE, 2));
        Descriptor three = add(bytes(SIZE, 3));
        Map<Digest, Path> files = downloader(3).downloadAll(ref, List.of(desc, two, three), store);
        assertEquals(List.of(desc.digest(), two.digest(), three.digest()), List.copyOf(files.keySet()));
        for (var e : files.entrySet()) assertEquals(e.getKey(), Digest.of(e.getValue()));
        assertEquals(Set.of("jvmm-pull-1", "jvmm-pull-2", "jvmm-pull-3"), threads);

        Descriptor missing = new Descriptor(MediaTypes.OCI_LAYER_GZIP, Digest.of(new byte[1]), 1);
        ImageException e =
                assertThrows(ImageException.class, () -> downloader(3).downloadAll(ref, List.of(desc, missing), store));
        assertEquals(ImageException.Kind.NOT_FOUND, e.kind());
        assertEquals(
                "blob " + missing.digest() + " of " + ref + " not found on " + server.host()
                        + " (BLOB_UNKNOWN: blob unknown to registry)",
                e.getMessage());
    }
}
