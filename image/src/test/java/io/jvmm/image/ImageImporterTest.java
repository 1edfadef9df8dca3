package io.jvmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageImporterTest {
    @TempDir
    Path dir;

    ContentStore store;
    ImageImporter importer;
    TestImages.Image img;

    @BeforeEach
    void setUp() throws IOException {
        store = ContentStore.open(dir.resolve("store"));
        importer = new ImageImporter(store);
        TestImages.Layer base = TestImages.busyboxLayer();
        img = TestImages.image(
                "amd64",
                List.of(base, TestImages.etcLayer(), base.equals(base) ? TestImages.appLayer("x", 5000) : null));
    }

    static long blobCount(ContentStore s) throws IOException {
        try (Stream<Path> st = Files.list(s.root().resolve("blobs/sha256"))) {
            return st.count();
        }
    }

    @Test
    void importsDockerSaveArchive() throws IOException {
        Path tar = TestImages.dockerSave(
                dir.resolve("save.tar"), img, List.of("busybox:saved", "example.com/team/app:v1"));
        List<ImageRecord> recs = importer.importPath(tar, null);
        assertEquals(
                List.of("docker.io/library/busybox:saved", "example.com/team/app:v1"),
                recs.stream().map(ImageRecord::name).toList());
        ImageRecord r = store.get("busybox:saved");
        assertEquals(img.configDigest(), r.id());
        assertEquals(3, r.layers().size());
        assertEquals(MediaTypes.OCI_LAYER_TAR, r.layers().getFirst().mediaType(), "docker save layers are plain tars");
        for (int i = 0; i < 3; i++) {
            assertEquals(img.layers().get(i).diffId(), r.layers().get(i).digest());
            try (InputStream in =
                    LayerStreams.openLayer(store, r.layers().get(i).digest())) {
                assertEquals(img.layers().get(i).diffId(), Digest.of(in));
            }
        }
        assertEquals(List.of(), store.check());
        assertEquals("/app", store.config(r).workingDir());
        assertTrue(ImageInspection.json(store, "example.com/team/app:v1").contains("\"Entrypoint\""));

        // a name given on import overrides the archive's tags
        ImageRecord named = importer.importPath(tar, "mine:1").getFirst();
        assertEquals("docker.io/library/mine:1", named.name());
        assertEquals(r.manifestDigest(), named.manifestDigest());
    }

    @Test
    void importsOciLayoutDirectoryAndTarball() throws IOException {
        TestImages.Image arm = TestImages.image("arm64", List.of(TestImages.appLayer("arm", 1000)));
        Path layout = TestImages.ociLayout(dir.resolve("layout"), "latest", List.of(img, arm));
        ImageException noName = assertThrows(ImageException.class, () -> importer.importPath(layout, null));
        assertEquals(ImageException.Kind.BAD_INPUT, noName.kind());
        assertTrue(noName.getMessage().contains("ref.name 'latest' is only a tag"), noName.getMessage());

        ImageRecord r = importer.importPath(layout, "localhost/oci:dir").getFirst();
        assertEquals("localhost/oci:dir", r.name());
        assertEquals(img.manifestDigest(), r.manifestDigest(), "the amd64 entry of the index");
        assertFalse(store.hasBlob(arm.layers().getFirst().digest()));
        assertEquals(List.of(), store.check());

        Path single = TestImages.ociLayout(dir.resolve("single"), "example.com/x/y:2", List.of(img));
        Path tarball = OciLayoutFiles.tar(single, dir.resolve("oci.tar"));
        ImageRecord t = importer.importPath(tarball, null).getFirst();
        assertEquals("example.com/x/y:2", t.name());
        assertEquals(img.manifestDigest(), t.manifestDigest());
        assertEquals(6, blobCount(store), "index + manifest + config + 3 layers, each once");
    }

    @Test
    void tamperedBlobsAreRefusedAndNothingIsStored() throws IOException {
        Path layout = TestImages.ociLayout(dir.resolve("layout"), "example.com/x:1", List.of(img));
        Path layer =
                layout.resolve("blobs/sha256/" + img.layers().get(2).digest().hex());
        byte[] b = Files.readAllBytes(layer);
        b[b.length / 2] ^= 1;
        Files.write(layer, b);
        ImageException e = assertThrows(ImageException.class, () -> importer.importPath(layout, null));
        assertEquals(ImageException.Kind.DIGEST_MISMATCH, e.kind());
        assertTrue(e.getMessage().contains(img.layers().get(2).digest().toString()), e.getMessage());
        assertEquals(List.of(), store.list());

        // docker save: a layer that does not match the config's diff_id
        TestImages.Image wrong = new TestImages.Image(
                "amd64",
                img.config(),
                img.configDigest(),
                List.of(img.layers().get(0), img.layers().get(1), TestImages.appLayer("other", 10)),
                img.manifest(),
                img.manifestDigest());
        Path tar = TestImages.dockerSave(dir.resolve("bad.tar"), wrong, List.of("bad:1"));
        ImageException d = assertThrows(ImageException.class, () -> importer.importPath(tar, null));
        assertEquals(ImageException.Kind.DIGEST_MISMATCH, d.kind());
        assertTrue(d.getMessage().contains("diff_id"), d.getMessage());
        assertEquals(List.of(), store.list());

        // truncated archive, junk, missing file
        Path good = TestImages.dockerSave(dir.resolve("good.tar"), img, List.of("good:1"));
        byte[] all = Files.readAllBytes(good);
        Path cut = Files.write(dir.resolve("cut.tar"), Arrays.copyOf(all, all.length / 3));
        ImageException c = assertThrows(ImageException.class, () -> importer.importPath(cut, null));
        assertEquals(ImageException.Kind.BAD_INPUT, c.kind());
        assertFalse(c.getMessage().contains("\n"));
        Path junk = Files.writeString(dir.resolve("junk.txt"), "hello");
        assertEquals(
                ImageException.Kind.BAD_INPUT,
                assertThrows(ImageException.class, () -> importer.importPath(junk, null))
                        .kind());
        assertEquals(
                ImageException.Kind.NOT_FOUND,
                assertThrows(ImageException.class, () -> importer.importPath(dir.resolve("nope"), null))
                        .kind());
        assertEquals(List.of(), store.list());
        try (Stream<Path> s = Files.list(store.root().resolve("tmp"))) {
            assertEquals(0, s.count(), "import leaves no tmp files");
        }
    }
}
