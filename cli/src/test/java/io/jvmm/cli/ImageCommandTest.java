package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvmm.image.ContentStore;
import io.jvmm.image.Digest;
import io.jvmm.image.ImageRecord;
import io.jvmm.image.LocalRegistry;
import io.jvmm.image.OciLayoutFiles;
import io.jvmm.image.RegistryAssumptions;
import io.jvmm.runtime.image.ImageRootfs;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The image commands end to end, no KVM: Debian's docker-registry on loopback (images pushed with skopeo from
 * OCI layouts built in Java), {@code jvmm pull}, {@code image ls/inspect/rm/prune/import}, the root image
 * cache, {@code run IMAGE} up to the point where a VM would boot, and the bad inputs (one line each, nothing
 * stored). Skipped, saying why, without docker-registry or skopeo.
 */
class ImageCommandTest {
    @TempDir
    static Path tmp;

    private static LocalRegistry registry;
    private static StateDirs dirs;
    private final CliRun cli = new CliRun();

    @BeforeAll
    static void setUp() throws Exception {
        RegistryAssumptions.assumeInstalled();
        registry = LocalRegistry.start(Files.createDirectories(tmp.resolve("registry")));
        Path home = Files.createDirectories(tmp.resolve("home"));
        System.setProperty(StateDirs.HOME_PROPERTY, home.toString());
        dirs = StateDirs.fromEnvironment();
    }

    @AfterAll
    static void tearDown() {
        if (registry != null) registry.close();
        System.clearProperty(StateDirs.HOME_PROPERTY);
    }

    private int runWithInput(String stdin, String... args) {
        return cli.withInput(stdin, args);
    }

    private int run(String... args) {
        return cli.run(args);
    }

    private String out() {
        return cli.out();
    }

    private String err() {
        return cli.err();
    }

    private void assertOneLineError(String... contains) {
        String e = err().strip();
        assertTrue(e.startsWith("jvmm: "), e);
        assertEquals(1, e.lines().count(), "one line: " + e);
        assertFalse(e.contains("\tat "), "no stack trace: " + e);
        for (String c : contains) assertTrue(e.contains(c), "'" + c + "' in: " + e);
    }

    /** Pushes {@code img} to the registry as {@code name:tag}; returns {@code HOST/name:tag}. */
    private static String push(OciTestImage.Built img, String nameAndTag) throws Exception {
        String tag = nameAndTag.substring(nameAndTag.indexOf(':') + 1);
        Path layout = OciTestImage.ociLayout(Files.createTempDirectory(tmp, "layout"), img, tag);
        registry.push(layout, tag, nameAndTag);
        return registry.host() + "/" + nameAndTag;
    }

    private static ContentStore store() {
        return ContentStore.open(dirs.imagesDir());
    }

    @Test
    void pullLsInspectAndASecondPullDownloadsNothing() throws Exception {
        OciTestImage.Built img = OciTestImage.small("pulled");
        String ref = push(img, "demo/pulled:1");
        assertEquals(0, run("image", "pull", ref), err());
        String o = out();
        assertTrue(o.startsWith("1: Pulling from " + registry.host() + "/demo/pulled\n"), o);
        assertEquals(
                2,
                o.lines().filter(l -> l.endsWith(": Pull complete")).count(),
                "one line per layer when not a terminal: " + o);
        assertFalse(o.contains("\033["), "no progress bar when stdout is not a terminal: " + o);
        assertTrue(o.contains("Digest: " + img.manifestDigest()), o);
        assertTrue(o.contains("Status: Downloaded newer image for " + ref), o);
        assertTrue(o.strip().endsWith(ref + ""), o);

        assertEquals(0, run("pull", ref), "jvmm pull is image pull: " + err());
        assertEquals(
                2, out().lines().filter(l -> l.endsWith(": Already exists")).count(), out());
        assertTrue(out().contains("Status: Image is up to date for " + ref), out());
        assertEquals(0, run("pull", "-q", ref), err());
        assertEquals(registry.host() + "/demo/pulled:1\n", out());

        assertEquals(0, run("image", "ls"));
        assertTrue(out().startsWith("REPOSITORY"), out());
        String shortId = img.configDigest().substring(7, 19);
        assertTrue(
                out().lines()
                        .anyMatch(l -> l.startsWith(registry.host() + "/demo/pulled ")
                                && l.contains(" 1 ")
                                && l.contains(shortId)),
                out());
        assertEquals(0, run("image", "ls", "-q"));
        assertTrue(out().lines().anyMatch(shortId::equals), out());
        assertEquals(0, run("image", "ls", "--format", "json"));
        JsonNode j = out().lines()
                .map(l -> {
                    try {
                        return OciTestImage.JSON.readTree(l);
                    } catch (Exception e) {
                        throw new AssertionError(l, e);
                    }
                })
                .filter(n -> n.path("Name").asText().equals(ref))
                .findFirst()
                .orElseThrow();
        assertEquals("1", j.path("Tag").asText());
        assertEquals(img.manifestDigest(), j.path("Digest").asText());

        assertEquals(0, run("image", "inspect", ref, shortId));
        JsonNode arr = OciTestImage.JSON.readTree(out());
        assertEquals(2, arr.size());
        JsonNode c = arr.get(0).path("Config");
        assertEquals("[\"/bin/sh\",\"-c\"]", c.path("Entrypoint").toString());
        assertEquals("[\"echo hi\"]", c.path("Cmd").toString());
        assertEquals("/app", c.path("WorkingDir").asText());
        assertEquals("[\"8080/tcp\"]", c.path("ExposedPorts").toString());
        assertEquals(img.configDigest(), arr.get(1).path("Id").asText());

        assertEquals(1, run("image", "inspect", ref, "nope:1"));
        assertEquals(1, OciTestImage.JSON.readTree(out()).size(), "the images found are still printed");
        assertOneLineError("no such image", "nope:1");
        assertTrue(store().check().isEmpty(), store().check().toString());
    }

    @Test
    void credentialsFromStdinAndUsageErrors() throws Exception {
        String ref = push(OciTestImage.small("creds"), "demo/creds:1");
        assertEquals(0, runWithInput("secret\n", "pull", "-q", "--username", "alice", "--password-stdin", ref), err());
        assertEquals(125, run("pull", "--password-stdin", ref));
        assertOneLineError("--username");
        assertEquals(125, run("pull", "Bad/Name"));
        assertOneLineError("invalid image reference 'Bad/Name'", "lowercase");
        assertEquals(125, run("image"));
        assertEquals(125, run("run", "-d", "missing.ext4"));
        assertOneLineError("no image file missing.ext4");
        assertEquals(125, run("run", "-d"));
        assertOneLineError("run needs an image");
        assertEquals(125, run("run", "-d", "-w", "relative", "busybox"));
        assertOneLineError("-w relative: must be an absolute path");
    }

    @Test
    void unknownImageAndUnreachableRegistryAreOneLineAndStoreNothing() throws Exception {
        int before = store().list().size();
        assertEquals(1, run("pull", registry.host() + "/demo/nothere:1"));
        assertOneLineError("image not found", "demo/nothere:1");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertEquals(1, run("pull", "127.0.0.1:" + port + "/x:1"));
        assertOneLineError("cannot reach registry 127.0.0.1:" + port);
        assertEquals(before, store().list().size());
        // run: the image is looked up, pulled, and the failure is the pull's; no VM record is made.
        assertEquals(125, run("run", "-d", registry.host() + "/demo/nothere:2"));
        assertTrue(err().startsWith("Unable to find image '" + registry.host() + "/demo/nothere:2' locally\n"), err());
        assertTrue(err().strip().lines().reduce((a, b) -> b).orElse("").startsWith("jvmm: image not found"), err());
        assertTrue(new VmStore(dirs).list().isEmpty());
    }

    @Test
    void aTamperedLayerInTheRegistryIsADigestMismatchAndNothingIsStored() throws Exception {
        OciTestImage.Built img = OciTestImage.small("tampered");
        String ref = push(img, "demo/tampered:1");
        String layerHex = OciTestImage.sha256(img.layerBlobs().get(1)).substring(7);
        Path data;
        try (Stream<Path> s = Files.walk(tmp.resolve("registry/storage"))) {
            data = s.filter(p -> p.toString()
                            .endsWith("/blobs/sha256/" + layerHex.substring(0, 2) + "/" + layerHex + "/data"))
                    .findFirst()
                    .orElseThrow();
        }
        try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(1);
            ch.read(b, 20);
            b.put(0, (byte) (b.get(0) ^ 0xff)).rewind();
            ch.write(b, 20);
        }
        assertEquals(1, run("pull", ref));
        assertOneLineError("digest mismatch", "nothing stored");
        assertTrue(store().find(ref).isEmpty());
        assertFalse(store().hasBlob(Digest.parse("sha256:" + layerHex)));
        assertTrue(store().check().isEmpty());
    }

    @Test
    void rootfsLimitsFromTheCommandLineHoldTheBuild() throws Exception {
        OciTestImage.Layer layer = new OciTestImage.Layer()
                .dir("bin")
                .file("bin/true", "x")
                .file("bin/a", "a")
                .file("bin/b", "b");
        OciTestImage.Built img = OciTestImage.build(
                List.of(layer), OciTestImage.config(null, List.of("/bin/true"), null, null, null, null));
        String ref = push(img, "demo/limited:1");
        assertEquals(0, run("pull", "-q", ref), err());
        assertEquals(125, run("run", "-d", "--rootfs-limit", "entries=2", ref));
        assertOneLineError("cannot build the root image of " + ref, "entries");
        assertFalse(Files.exists(dirs.rootfsCacheFile(img.manifestDigest().substring(7))), "nothing cached");
        assertEquals(125, run("run", "-d", "--rootfs-limit", "entries=lots", ref));
        assertOneLineError("--rootfs-limit entries=lots");
        assertEquals(125, run("run", "-d", "--rootfs-limit", "depth=3", ref));
        assertOneLineError("unknown limit \"depth\"", "path-depth");
        assertTrue(new VmStore(dirs).list().isEmpty(), "no VM record");
    }

    @Test
    void aLayerEscapingTheRootIsRefusedByRunInOneLine() throws Exception {
        OciTestImage.Layer base = new OciTestImage.Layer().dir("bin").file("bin/true", "x");
        OciTestImage.Layer evil = new OciTestImage.Layer().file("../../etc/passwd", "evil::0:0::/:/bin/sh\n");
        OciTestImage.Built img = OciTestImage.build(
                List.of(base, evil), OciTestImage.config(null, List.of("/bin/true"), null, null, null, null));
        String ref = push(img, "demo/evil:1");
        assertEquals(0, run("pull", "-q", ref), "the store does not look into layers: " + err());
        assertEquals(125, run("run", "-d", ref));
        assertOneLineError("cannot build the root image of " + ref, "../../etc/passwd");
        assertFalse(Files.exists(dirs.rootfsCacheFile(img.manifestDigest().substring(7))));
        try (Stream<Path> s = Files.list(dirs.rootfsCacheDir())) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".tmp")), "no temporary file left");
        }
        assertTrue(new VmStore(dirs).list().isEmpty(), "no VM record");
        // hac.toml's ref is the image of 'run --hac FILE' when no IMAGE is given.
        Path hac = tmp.resolve("evil.toml");
        Files.writeString(hac, "[hardware]\ncores = 1\nmemory = 128\nref = \"" + ref + "\"\n");
        assertEquals(125, run("run", "-d", "--hac", hac.toString(), "--", "true"));
        assertOneLineError("cannot build the root image of " + ref);
        Files.writeString(hac, "[hardware]\nref = \"Not/Valid\"\n");
        assertEquals(125, run("run", "-d", "--hac", hac.toString()));
        assertOneLineError("hardware.ref", "lowercase");
        assertEquals(125, run("boot", "--hac", hac.toString()));
        assertOneLineError("hardware.ref", "jvmm run --hac FILE");
    }

    @Test
    void rootImagesAreBuiltOnceCachedAndReusedEvenWhenAskedForConcurrently() throws Exception {
        String ref = push(OciTestImage.small("cached"), "demo/cached:1");
        assertEquals(0, run("pull", "-q", ref), err());
        ContentStore store = store();
        ImageRecord rec = store.get(ref);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<ImageRootfs.Built>> results = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++)
                results.add(pool.submit((Callable<ImageRootfs.Built>) () -> ImageRootfs.ensure(dirs, store, rec)));
            int built = 0;
            for (Future<ImageRootfs.Built> f : results) if (!f.get().reused()) built++;
            assertEquals(1, built, "one build, three reuses");
        } finally {
            pool.shutdownNow();
        }
        Path file = dirs.rootfsCacheFile(rec.manifestDigest().hex());
        assertEquals(file, results.getFirst().get().file());
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer magic = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(magic, 1024);
            assertEquals(0xE0F5E1E2, magic.getInt(0), "an EROFS superblock");
        }
        assertTrue(ImageRootfs.ensure(dirs, store, rec).reused());
    }

    @Test
    void rmRefusesAnImageAVmUsesUnlessForcedAndPruneFreesBlobsAndRootImages() throws Exception {
        OciTestImage.Built img = OciTestImage.small("removed");
        String ref = push(img, "demo/removed:1");
        assertEquals(0, run("pull", "-q", ref), err());
        ContentStore store = store();
        ImageRecord rec = store.get(ref);
        Path rootfs = ImageRootfs.ensure(dirs, store, rec).file();
        VmStore vms = new VmStore(dirs);
        VmRecord vm = vms.create(VmRecord.draft(rootfs.toString(), List.of("true"))
                .withName("user-of-removed")
                .withImageRef(rec.name())
                .withImageId(rec.id().toString()));

        assertEquals(0, run("ps", "-a"));
        assertTrue(
                out().lines().anyMatch(l -> l.contains("user-of-removed") && l.contains(ref)),
                "ps shows the image reference: " + out());
        assertEquals(0, run("ps", "-a", "--format", "json"));
        assertTrue(
                out().contains("\"Image\":\"" + ref + "\"") && out().contains("\"ImageID\":\"" + rec.id() + "\""),
                out());

        assertEquals(1, run("image", "rm", ref));
        assertOneLineError("image " + ref + " is in use by VM user-of-removed", "jvmm image rm -f");
        assertTrue(store.find(ref).isPresent());

        // Another tag of the same image can go: the VM's image stays.
        Path layout = OciTestImage.ociLayout(Files.createTempDirectory(tmp, "layout"), img, "2");
        assertEquals(0, run("image", "import", layout.toString(), registry.host() + "/demo/removed:2"), err());
        assertEquals("Loaded image: " + registry.host() + "/demo/removed:2\n", out());
        assertEquals(0, run("image", "rm", registry.host() + "/demo/removed:2"), err());
        assertEquals("Untagged: " + registry.host() + "/demo/removed:2\n", out());
        assertTrue(Files.exists(rootfs), "the root image is the remaining tag's too");

        assertEquals(0, run("image", "rm", "-f", ref), err());
        assertTrue(out().contains("Untagged: " + ref) && out().contains("Deleted: " + rec.id()), out());
        assertFalse(Files.exists(rootfs), "the cached root image goes with the image");
        vms.remove(vm.id());

        String layerHex = OciTestImage.sha256(img.layerBlobs().get(1)).substring(7);
        assertTrue(store.hasBlob(Digest.parse("sha256:" + layerHex)), "rm only untags");
        assertEquals(1, runWithInput("n\n", "image", "prune"));
        assertTrue(store.hasBlob(Digest.parse("sha256:" + layerHex)));
        assertEquals(0, runWithInput("y\n", "image", "prune"), err());
        assertTrue(out().contains("Total reclaimed space:"), out());
        assertFalse(store.hasBlob(Digest.parse("sha256:" + layerHex)));
        assertTrue(store.check().isEmpty());

        assertEquals(1, run("image", "rm", ref));
        assertOneLineError("no such image");
    }

    @Test
    void importDockerSaveOciDirectoryAndTarballThenPruneAll() throws Exception {
        OciTestImage.Built img = OciTestImage.small("imported");
        Path save = OciTestImage.dockerSave(tmp.resolve("save.tar"), img, "imported:v1");
        assertEquals(0, run("image", "import", save.toString()), err());
        assertEquals("Loaded image: imported:v1\n", out());
        Path dir = OciTestImage.ociLayout(tmp.resolve("oci-dir"), img, "v2");
        assertEquals(125, run("image", "import", dir.toString()));
        assertOneLineError("names no image", "give a name");
        assertEquals(0, run("image", "import", dir.toString(), "imported:v2"), err());
        Path tarball = OciLayoutFiles.tar(dir, tmp.resolve("oci.tar"));
        assertEquals(0, run("image", "load", tarball.toString(), "example.com/imported:v3"), err());
        assertEquals("Loaded image: example.com/imported:v3\n", out());
        assertEquals(0, run("image", "ls"));
        for (String s : new String[] {"imported   ", "example.com/imported"}) assertTrue(out().contains(s), out());
        assertEquals(125, run("image", "import", tmp.resolve("missing.tar").toString()));
        assertOneLineError("no such file");
        Files.writeString(tmp.resolve("junk.tar"), "not a tar at all");
        assertNotEquals(0, run("image", "import", tmp.resolve("junk.tar").toString()));
        assertOneLineError();

        // The docker-save image (uncompressed layers) builds a root image too.
        ContentStore store = store();
        Path built = ImageRootfs.ensure(dirs, store, store.get("imported:v1")).file();
        assertTrue(Files.isRegularFile(built));
        assertEquals(0, run("image", "prune", "-a", "-f"), err());
        assertTrue(
                out().contains("Untagged: imported:v1") && out().contains("Untagged: example.com/imported:v3"), out());
        assertTrue(store.find("imported:v1").isEmpty());
        assertFalse(Files.exists(built), "root image pruned with its image");
    }
}
