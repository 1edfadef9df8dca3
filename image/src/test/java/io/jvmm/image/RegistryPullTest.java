package io.jvmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pulls from Debian's docker-registry on loopback, with images pushed by skopeo from OCI layouts built here. */
class RegistryPullTest {
    @TempDir
    static Path shared;

    static LocalRegistry registry;
    static TestImages.Image demo1, demo2, amd64, arm64;

    @TempDir
    Path dir;

    @BeforeAll
    static void setUp() throws Exception {
        RegistryAssumptions.assumeInstalled();
        registry = LocalRegistry.start(Files.createDirectories(shared.resolve("registry")));
        TestImages.Layer base = TestImages.busyboxLayer();
        TestImages.Layer etc = TestImages.etcLayer();
        demo1 = TestImages.image("amd64", List.of(base, etc, TestImages.appLayer("one", 200_000)), "echo one");
        demo2 = TestImages.image("amd64", List.of(base, etc, TestImages.appLayer("two", 300_000)), "echo two");
        amd64 = demo1;
        arm64 = TestImages.image("arm64", List.of(TestImages.appLayer("arm-base", 50_000), etc), "echo arm");
        registry.push(TestImages.ociLayout(shared.resolve("demo1"), "1", List.of(demo1)), "1", "demo:1");
        registry.push(TestImages.ociLayout(shared.resolve("demo2"), "2", List.of(demo2)), "2", "demo:2");
        registry.push(TestImages.ociLayout(shared.resolve("multi"), "1", List.of(amd64, arm64)), "1", "multi:1");
        registry.push(TestImages.ociLayout(shared.resolve("armonly"), "1", List.of(arm64)), "1", "armonly:1");
        TestImages.Image arm2 = TestImages.image("arm", List.of(TestImages.appLayer("arm32", 1000)), "x");
        registry.push(TestImages.ociLayout(shared.resolve("armindex"), "1", List.of(arm64, arm2)), "1", "armindex:1");
    }

    @AfterAll
    static void tearDown() {
        if (registry != null) registry.close();
    }

    RegistryClient client() {
        return RegistryClient.builder()
                .insecure(registry.host())
                .dockerConfig(null)
                .build();
    }

    ImageReference ref(String nameTag) {
        return ImageReference.parse(registry.host() + "/" + nameTag);
    }

    @Test
    void pullsAnImageAndVerifiesIt() {
        ContentStore store = ContentStore.open(dir.resolve("store"));
        Progress progress = new Progress();
        RegistryClient c = RegistryClient.builder()
                .insecure(registry.host())
                .dockerConfig(null)
                .listener(progress)
                .build();
        ImageRecord r = c.pull(ref("demo:1"), store);
        assertEquals(registry.host() + "/demo:1", r.name());
        assertEquals(demo1.manifestDigest(), r.manifestDigest());
        assertEquals(demo1.configDigest(), r.id());
        assertEquals(
                demo1.layers().stream().map(TestImages.Layer::digest).toList(),
                r.layers().stream().map(Descriptor::digest).toList());
        assertEquals(List.of(), store.check());
        assertEquals(4, c.blobRequests(), "config + 3 layers");
        for (TestImages.Layer l : demo1.layers()) assertEquals(l.blob().length, progress.done.get(l.digest()));
        assertEquals(List.of(r), store.list());

        JsonNode inspect = Json.parse(
                ImageInspection.json(store, registry.host() + "/demo:1").getBytes(), "inspect");
        assertEquals(
                "[\"/bin/sh\",\"-c\"]",
                inspect.path("Config").path("Entrypoint").toString());
        assertEquals("[\"echo one\"]", inspect.path("Config").path("Cmd").toString());
        assertEquals("/app", inspect.path("Config").path("WorkingDir").asText());
        assertEquals("1000:1000", inspect.path("Config").path("User").asText());
        assertEquals(
                "[\"8080/tcp\"]", inspect.path("Config").path("ExposedPorts").toString());
        assertTrue(inspect.path("Config").path("Env").toString().contains("GREETING=hello"));
        assertEquals(3, inspect.path("Layers").size());
        assertEquals("amd64", inspect.path("Architecture").asText());
        assertEquals(r.size(), inspect.path("Size").asLong());

        // the same image by digest, and the store finds it by id prefix
        ImageRecord byDigest = c.pull(ImageReference.parse(registry.host() + "/demo@" + demo1.manifestDigest()), store);
        assertEquals(demo1.manifestDigest(), byDigest.manifestDigest());
        assertEquals(4, c.blobRequests(), "nothing new to download");
        assertEquals(2, store.list().size());
        assertTrue(store.find(demo1.configDigest().hex().substring(0, 12)).isPresent());
    }

    @Test
    void secondPullDownloadsOnlyTheNewLayers() {
        ContentStore store = ContentStore.open(dir.resolve("store"));
        RegistryClient c = client();
        c.pull(ref("demo:1"), store);
        long first = c.blobRequests();
        assertEquals(4, first);
        ImageRecord two = c.pull(ref("demo:2"), store);
        assertEquals(2, c.blobRequests() - first, "only config 2 and layer 'two'");
        assertEquals(demo2.manifestDigest(), two.manifestDigest());

        DiskUsage du = DiskUsage.of(store);
        assertEquals(2, du.images().size());
        long sharedBytes =
                demo1.layers().get(0).blob().length + demo1.layers().get(1).blob().length;
        for (DiskUsage.ImageUsage u : du.images()) assertEquals(sharedBytes, u.shared(), u.name());
        long sum = du.images().stream().mapToLong(DiskUsage.ImageUsage::size).sum();
        assertEquals(sum - sharedBytes, du.total(), "shared layers counted once");
        assertEquals(0, du.unreferenced());

        // rm + prune: the shared layers stay while demo:2 uses them
        store.remove(registry.host() + "/demo:1");
        ContentStore.PruneResult pr = store.prune();
        assertEquals(3, pr.blobsRemoved(), "manifest, config, layer 'one'");
        for (TestImages.Layer l : demo2.layers()) assertTrue(store.hasBlob(l.digest()));
        assertFalse(store.hasBlob(demo1.layers().get(2).digest()));
        assertEquals(List.of(), store.check());
        ImageException e = assertThrows(ImageException.class, () -> store.remove(registry.host() + "/demo:1"));
        assertEquals(ImageException.Kind.NOT_FOUND, e.kind());
    }

    @Test
    void resolvesAnIndexToLinuxAmd64() {
        ContentStore store = ContentStore.open(dir.resolve("store"));
        ImageRecord r = client().pull(ref("multi:1"), store);
        assertEquals(amd64.manifestDigest(), r.manifestDigest());
        assertNotNull(r.indexDigest());
        assertTrue(store.hasBlob(r.indexDigest()));
        assertEquals(amd64.layers().size(), r.layers().size());
        assertFalse(store.hasBlob(arm64.layers().get(0).digest()), "nothing of the arm64 image");
        assertEquals(List.of(), store.check());
    }

    @Test
    void otherArchitecturesOnlyIsOneClearError() {
        ContentStore store = ContentStore.open(dir.resolve("store"));
        ImageException e = assertThrows(ImageException.class, () -> client().pull(ref("armindex:1"), store));
        assertEquals(ImageException.Kind.PLATFORM, e.kind());
        assertEquals(
                registry.host() + "/armindex:1 has no linux/amd64 image (available: linux/arm64, linux/arm)",
                e.getMessage());
        ImageException single = assertThrows(ImageException.class, () -> client().pull(ref("armonly:1"), store));
        assertEquals(ImageException.Kind.PLATFORM, single.kind());
        assertEquals(
                registry.host() + "/armonly:1 is a linux/arm64 image; jvmm runs linux/amd64 images",
                single.getMessage());
        assertEquals(List.of(), store.list());
    }

    @Test
    void unknownTagOrRepositoryIsOneClearError() {
        ContentStore store = ContentStore.open(dir.resolve("store"));
        ImageException tag = assertThrows(ImageException.class, () -> client().pull(ref("demo:nope"), store));
        assertEquals(ImageException.Kind.NOT_FOUND, tag.kind());
        assertTrue(tag.getMessage().startsWith("image not found: " + registry.host() + "/demo:nope"), tag.getMessage());
        ImageException repo = assertThrows(ImageException.class, () -> client().pull(ref("no/such:1"), store));
        assertEquals(ImageException.Kind.NOT_FOUND, repo.kind());
        assertTrue(repo.getMessage().contains(registry.host() + "/no/such:1"), repo.getMessage());
        assertFalse(repo.getMessage().contains("\n"));
        System.out.println("unknown tag:  " + tag.getMessage());
        System.out.println("unknown repo: " + repo.getMessage());
        assertEquals(List.of(), store.list());
    }

    @Test
    void unreachableRegistryIsOneClearError() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        ContentStore store = ContentStore.open(dir.resolve("store"));
        RegistryClient c = RegistryClient.builder()
                .insecure("127.0.0.1:" + port)
                .dockerConfig(null)
                .build();
        ImageException e = assertThrows(
                ImageException.class, () -> c.pull(ImageReference.parse("127.0.0.1:" + port + "/x:1"), store));
        assertEquals(ImageException.Kind.UNREACHABLE, e.kind());
        assertEquals("cannot reach registry 127.0.0.1:" + port + ": connection refused", e.getMessage());

        // HTTPS (the default) to a plain-HTTP registry says what to do
        ImageException tls = assertThrows(
                ImageException.class,
                () -> RegistryClient.builder().dockerConfig(null).build().pull(ref("demo:1"), store));
        assertEquals(ImageException.Kind.UNREACHABLE, tls.kind());
        assertTrue(
                tls.getMessage().startsWith("cannot reach registry " + registry.host() + " over HTTPS"),
                tls.getMessage());
        assertTrue(tls.getMessage().endsWith("(a plain-HTTP registry must be marked insecure)"), tls.getMessage());
    }

    static final class Progress implements PullListener {
        final ConcurrentHashMap<Digest, Long> done = new ConcurrentHashMap<>();
        final AtomicLong events = new AtomicLong();

        @Override
        public void progress(Descriptor blob, long bytesDone) {
            events.incrementAndGet();
            done.merge(blob.digest(), bytesDone, Math::max);
        }
    }
}
