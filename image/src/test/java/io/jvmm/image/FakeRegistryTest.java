package io.jvmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from a JDK-HttpServer registry: tampered content, token and basic auth, redirects, interrupted and killed pulls. */
class FakeRegistryTest {
    @TempDir
    Path dir;

    FakeRegistry fake;
    ContentStore store;
    TestImages.Image img;

    @BeforeEach
    void setUp() throws IOException {
        fake = new FakeRegistry();
        store = ContentStore.open(dir.resolve("store"));
        img = TestImages.image(
                "amd64",
                List.of(TestImages.etcLayer(), TestImages.appLayer("a", 100_000), TestImages.appLayer("b", 10_000)));
        fake.addImage("app", "1", img);
    }

    @AfterEach
    void tearDown() {
        fake.close();
    }

    RegistryClient.Builder client() {
        return RegistryClient.builder().insecure(fake.host()).dockerConfig(null);
    }

    ImageReference ref(String s) {
        return ImageReference.parse(fake.host() + "/" + s);
    }

    static long count(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.count();
        }
    }

    @Test
    void plainPullWorks() {
        ImageRecord r = client().build().pull(ref("app:1"), store);
        assertEquals(img.manifestDigest(), r.manifestDigest());
        assertEquals(List.of(), store.check());
    }

    @Test
    void parallelPullsOfImagesSharingLayers() throws Exception {
        TestImages.Image other = TestImages.image(
                "amd64", List.of(img.layers().get(0), img.layers().get(1), TestImages.appLayer("c", 50_000)));
        fake.addImage("other", "1", other);
        fake.throttle = 8 << 20;
        RegistryClient c = client().build();
        var pool = Executors.newFixedThreadPool(2);
        try {
            var a = pool.submit(() -> c.pull(ref("app:1"), store));
            var b = pool.submit(() -> c.pull(ref("other:1"), store));
            assertEquals(img.manifestDigest(), a.get().manifestDigest());
            assertEquals(other.manifestDigest(), b.get().manifestDigest());
        } finally {
            pool.shutdownNow();
        }
        assertEquals(2, store.list().size());
        assertEquals(List.of(), store.check());
        try (Stream<Path> s = Files.list(store.root().resolve("tmp"))) {
            assertEquals(List.of(), s.filter(p -> p.toString().endsWith(".tmp")).toList());
        }
    }

    @Test
    void tamperedLayerStoresNothing() throws IOException {
        TestImages.Layer bad = img.layers().get(1);
        byte[] tampered = bad.blob().clone();
        tampered[tampered.length / 2] ^= 1;
        fake.blobs.put(bad.digest().toString(), tampered);
        ImageException e =
                assertThrows(ImageException.class, () -> client().build().pull(ref("app:1"), store));
        assertEquals(ImageException.Kind.DIGEST_MISMATCH, e.kind());
        assertEquals(
                "digest mismatch for blob " + bad.digest() + " of " + fake.host() + "/app:1: expected " + bad.digest()
                        + ", got " + Digest.of(tampered) + " (nothing stored)",
                e.getMessage());
        assertEquals(List.of(), store.list());
        assertEquals(0, count(store.root().resolve("blobs/sha256")), "no blob entered the store");
        assertFalse(
                Files.exists(store.root().resolve("tmp/" + bad.digest().hex() + ".partial")),
                "the bad download is deleted");

        // a manifest that does not match the digest the registry claims / we asked for
        fake.blobs.put(bad.digest().toString(), bad.blob());
        byte[] m2 = new String(img.manifest(), StandardCharsets.UTF_8)
                .replace("\"schemaVersion\":2", "\"schemaVersion\":2 ")
                .getBytes(StandardCharsets.UTF_8);
        fake.manifests.put("app:" + img.manifestDigest(), new FakeRegistry.Content(m2, MediaTypes.OCI_MANIFEST));
        ImageException md = assertThrows(
                ImageException.class,
                () -> client().build().pull(ImageReference.parse(fake.host() + "/app@" + img.manifestDigest()), store));
        assertEquals(ImageException.Kind.DIGEST_MISMATCH, md.kind());
        assertTrue(
                md.getMessage()
                        .startsWith("digest mismatch for manifest of " + fake.host() + "/app@" + img.manifestDigest()),
                md.getMessage());
        assertEquals(0, count(store.root().resolve("blobs/sha256")));

        // a blob larger than its descriptor says is cut off, not stored
        byte[] longer = Arrays.copyOf(bad.blob(), bad.blob().length + 10);
        fake.blobs.put(bad.digest().toString(), longer);
        ImageException big =
                assertThrows(ImageException.class, () -> client().build().pull(ref("app:1"), store));
        assertEquals(ImageException.Kind.DIGEST_MISMATCH, big.kind());
        assertTrue(big.getMessage().contains("sent more than the " + bad.blob().length + " bytes"), big.getMessage());
        assertEquals(List.of(), store.list());
    }

    @Test
    void bearerTokenFlow() {
        fake.tokenAuth = true;
        fake.user = "alice";
        fake.password = "s3cret";
        RegistryClient c = client().credentials(fake.host(), new Credentials("alice", "s3cret"))
                .build();
        ImageRecord r = c.pull(ref("app:1"), store);
        assertEquals(img.manifestDigest(), r.manifestDigest());
        assertEquals(1, fake.tokenRequests.size(), "one token, cached for the repository: " + fake.tokenRequests);
        assertTrue(fake.tokenRequests.getFirst().contains("service=fake-registry"));
        assertTrue(fake.tokenRequests.getFirst().contains("scope=repository:app:pull"));
        long authed;
        synchronized (fake.requests) {
            authed = fake.requests.stream()
                    .filter(s -> s.contains("/blobs/") && s.contains("auth=Bearer"))
                    .count();
        }
        assertEquals(4, authed, fake.requests.toString());

        ImageException wrong = assertThrows(
                ImageException.class,
                () -> client().credentials(fake.host(), new Credentials("alice", "nope"))
                        .build()
                        .pull(ref("app:1"), ContentStore.open(dir.resolve("s2"))));
        assertEquals(ImageException.Kind.AUTH, wrong.kind());
        assertEquals(
                "the token server of " + fake.host() + " refused the credentials of alice for " + fake.host()
                        + "/app:1 (incorrect username or password)",
                wrong.getMessage());
        ImageException anon = assertThrows(
                ImageException.class, () -> client().build().pull(ref("app:1"), ContentStore.open(dir.resolve("s3"))));
        assertEquals(ImageException.Kind.AUTH, anon.kind());
        assertTrue(anon.getMessage().contains("refused anonymous access"), anon.getMessage());
    }

    @Test
    void anonymousTokenAndRedirectToStorageWithoutAuthorization() throws IOException {
        fake.tokenAuth = true;
        try (FakeRegistry storage = new FakeRegistry()) {
            storage.blobs.putAll(fake.blobs);
            fake.blobRedirect = storage;
            ImageRecord r = client().build().pull(ref("app:1"), store);
            assertEquals(img.manifestDigest(), r.manifestDigest());
            assertEquals(
                    4,
                    storage.requests.stream()
                            .filter(x -> x.startsWith("GET /storage/"))
                            .count(),
                    storage.requests.toString());
            assertTrue(
                    storage.requests.stream().noneMatch(s -> s.contains("auth=")),
                    "Authorization not sent to another host");
        }
    }

    @Test
    void basicAuthFromDockerConfig() throws IOException {
        fake.basicAuth = true;
        fake.user = "bob";
        fake.password = "pw:with:colons";
        Path config = dir.resolve("docker/config.json");
        Files.createDirectories(config.getParent());
        String auth = Base64.getEncoder().encodeToString("bob:pw:with:colons".getBytes(StandardCharsets.UTF_8));
        Files.writeString(
                config,
                "{\"auths\":{\"http://" + fake.host() + "\":{\"auth\":\"" + auth
                        + "\"},\"https://index.docker.io/v1/\":{\"auth\":\"eDp5\"}}}");
        assertEquals(
                new Credentials("bob", "pw:with:colons"),
                Credentials.fromDockerConfig(config, fake.host()).orElseThrow());
        assertEquals(
                new Credentials("x", "y"),
                Credentials.fromDockerConfig(config, "docker.io").orElseThrow());
        ImageRecord r = client().dockerConfig(config).build().pull(ref("app:1"), store);
        assertEquals(img.manifestDigest(), r.manifestDigest());

        ImageException none = assertThrows(
                ImageException.class, () -> client().build().pull(ref("app:1"), ContentStore.open(dir.resolve("s2"))));
        assertEquals(ImageException.Kind.AUTH, none.kind());
        assertTrue(
                none.getMessage().startsWith(fake.host() + " requires credentials for " + fake.host() + "/app:1"),
                none.getMessage());
        ImageException bad = assertThrows(
                ImageException.class,
                () -> client().credentials(fake.host(), new Credentials("bob", "x"))
                        .build()
                        .pull(ref("app:1"), ContentStore.open(dir.resolve("s3"))));
        assertEquals(ImageException.Kind.AUTH, bad.kind());
        assertTrue(bad.getMessage().startsWith("pull access denied for " + fake.host() + "/app:1"), bad.getMessage());
    }

    /** An image with one big incompressible layer, served slowly. */
    TestImages.Image bigImage() throws IOException {
        TestImages.Image big =
                TestImages.image("amd64", List.of(TestImages.etcLayer(), TestImages.appLayer("big", 6 << 20)));
        fake.addImage("big", "1", big);
        fake.throttle = 3 << 20;
        return big;
    }

    Path partialOf(TestImages.Image big) {
        return store.root().resolve("tmp/" + big.layers().get(1).digest().hex() + ".partial");
    }

    static void waitForSize(Path p, long atLeast) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!(Files.exists(p) && Files.size(p) >= atLeast)) {
            if (System.nanoTime() > deadline) throw new AssertionError(p + " did not grow to " + atLeast);
            Thread.sleep(10);
        }
    }

    /** Asserts the second pull resumed the big layer with a Range request, and the store is consistent. */
    void pullAgainResumes(TestImages.Image big, long had) {
        fake.throttle = 0;
        fake.requests.clear();
        ImageRecord r = client().build().pull(ref("big:1"), store);
        assertEquals(big.manifestDigest(), r.manifestDigest());
        String layerPath = "/v2/big/blobs/" + big.layers().get(1).digest();
        List<String> gets;
        synchronized (fake.requests) {
            gets = fake.requests.stream().filter(s -> s.contains(layerPath)).toList();
        }
        assertEquals(1, gets.size(), gets.toString());
        String range = gets.getFirst()
                .substring(
                        gets.getFirst().indexOf("bytes=") + 6, gets.getFirst().lastIndexOf('-'));
        long from = Long.parseLong(range);
        assertTrue(from >= had, "resumed at " + from + ", had " + had);
        assertEquals(List.of(), store.check());
        assertFalse(Files.exists(partialOf(big)));
    }

    @Test
    void interruptedPullResumes() throws Exception {
        TestImages.Image big = bigImage();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                client().build().pull(ref("big:1"), store);
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.start();
        waitForSize(partialOf(big), 512 << 10);
        t.interrupt();
        t.join(10_000);
        assertFalse(t.isAlive());
        ImageException e = (ImageException) failure.get();
        assertNotNull(e);
        assertEquals(ImageException.Kind.INTERRUPTED, e.kind(), e.getMessage());
        assertEquals(List.of(), store.list());
        long had = Files.size(partialOf(big));
        assertTrue(had > 0);
        pullAgainResumes(big, had);
    }

    @Test
    void pullKilledHalfWayResumes() throws Exception {
        TestImages.Image big = bigImage();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        PullMain.class.getName(),
                        store.root().toString(),
                        fake.host() + "/big:1",
                        fake.host())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("child.log").toFile())
                .start();
        try {
            waitForSize(partialOf(big), 1 << 20);
        } finally {
            child.destroyForcibly();
            child.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(List.of(), store.list(), "a killed pull indexes nothing");
        assertFalse(store.hasBlob(big.layers().get(1).digest()));
        assertEquals(List.of(), store.check());
        long had = Files.size(partialOf(big));
        assertTrue(had >= 1 << 20 && had < big.layers().get(1).blob().length, "had " + had);
        pullAgainResumes(big, had);
    }

    @Test
    void unknownTagAndBadManifestAreClearErrors() {
        ImageException e =
                assertThrows(ImageException.class, () -> client().build().pull(ref("app:2"), store));
        assertEquals(ImageException.Kind.NOT_FOUND, e.kind());
        assertEquals("image not found: " + fake.host() + "/app:2 (MANIFEST_UNKNOWN: manifest unknown)", e.getMessage());
        fake.manifests.put(
                "app:junk", new FakeRegistry.Content("<html>".getBytes(StandardCharsets.UTF_8), "text/html"));
        ImageException j =
                assertThrows(ImageException.class, () -> client().build().pull(ref("app:junk"), store));
        assertEquals(ImageException.Kind.BAD_INPUT, j.kind());
        assertTrue(
                j.getMessage().startsWith("manifest of " + fake.host() + "/app:junk is not valid JSON"),
                j.getMessage());
        assertFalse(j.getMessage().contains("\n"));
    }
}
