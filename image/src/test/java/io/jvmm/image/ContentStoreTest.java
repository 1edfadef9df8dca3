package io.jvmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStoreTest {
    @TempDir
    Path dir;

    @Test
    void blobsAreContentAddressedAndVerified() throws IOException {
        ContentStore s = ContentStore.open(dir);
        byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
        Digest d = s.putBlob(data, Digest.of(data));
        assertTrue(Files.isRegularFile(dir.resolve("blobs/sha256/" + d.hex())));
        assertEquals(d, s.putBlob(new ByteArrayInputStream(data), d, data.length), "storing twice is a no-op");
        ImageException e =
                assertThrows(ImageException.class, () -> s.putBlob("other".getBytes(StandardCharsets.UTF_8), d));
        assertEquals(ImageException.Kind.DIGEST_MISMATCH, e.kind());
        Digest other = Digest.of("x".getBytes(StandardCharsets.UTF_8));
        assertThrows(
                ImageException.class,
                () -> s.putBlob(new ByteArrayInputStream("y".getBytes(StandardCharsets.UTF_8)), other, 1));
        assertFalse(s.hasBlob(other));
        ImageException size = assertThrows(ImageException.class, () -> s.putBlob(new ByteArrayInputStream(data), d, 4));
        assertTrue(size.getMessage().startsWith("size mismatch"), size.getMessage());
        try (var st = Files.list(dir.resolve("tmp"))) {
            assertEquals(0, st.count());
        }
    }

    @Test
    void indexNeedsItsBlobsAndSurvivesJunk() throws IOException {
        ContentStore s = ContentStore.open(dir);
        byte[] cfg =
                "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"sh\"]},\"rootfs\":{\"diff_ids\":[]}}"
                        .getBytes(StandardCharsets.UTF_8);
        byte[] man = "{}".getBytes(StandardCharsets.UTF_8);
        Descriptor c = new Descriptor(MediaTypes.OCI_CONFIG, Digest.of(cfg), cfg.length);
        ImageRecord r = new ImageRecord(
                "localhost/a:1", Digest.of(man), MediaTypes.OCI_MANIFEST, null, c, List.of(), null, Instant.now(), 10);
        ImageException missing = assertThrows(ImageException.class, () -> s.putImage(r));
        assertTrue(missing.getMessage().contains("is missing"), missing.getMessage());
        s.putBlob(cfg, null);
        s.putBlob(man, null);
        s.putImage(r);
        // a half-written index file (a crash with another tool) and tmp leftovers do not break listing
        Files.writeString(dir.resolve("images/broken.json"), "{\"name\":");
        Files.writeString(dir.resolve("tmp/" + "b".repeat(64) + ".partial"), "partial");
        assertEquals(List.of(r), s.list());
        assertEquals(List.of("sh"), s.config(s.get("localhost/a:1")).cmd());
        assertEquals(r, s.get(Digest.of(cfg).toString()));
        assertEquals(
                ImageException.Kind.NOT_FOUND,
                assertThrows(ImageException.class, () -> s.get("localhost/b:1")).kind());
        ContentStore.PruneResult p = s.prune();
        assertEquals(0, p.blobsRemoved());
        assertEquals(1, p.partialsRemoved());
        s.remove("localhost/a:1");
        assertEquals(2, s.prune().blobsRemoved());
        assertEquals(List.of(), s.list());
    }
}
