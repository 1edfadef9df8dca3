package io.jvmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pull into a store on a full file system (a 1 MiB tmpfs, so the test needs root to mount it):
 * one clear error, nothing stored, and the same pull succeeds once there is room.
 */
class DiskFullTest {
    @TempDir
    Path dir;

    Path mount;
    FakeRegistry fake;

    @BeforeEach
    void setUp() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: mounting a small tmpfs needs root");
        mount = Files.createDirectories(dir.resolve("small"));
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mount.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assumeTrue(p.waitFor() == 0, () -> "skipped: cannot mount a tmpfs: " + out);
        fake = new FakeRegistry();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (fake != null) fake.close();
        if (mount != null)
            new ProcessBuilder("umount", mount.toString()).start().waitFor();
    }

    @Test
    void aFullDiskIsOneLineAndLeavesTheStoreConsistent() throws Exception {
        TestImages.Image img =
                TestImages.image("amd64", List.of(TestImages.etcLayer(), TestImages.appLayer("big", 2_000_000)));
        fake.addImage("app", "1", img);
        ContentStore store = ContentStore.open(mount.resolve("store"));
        ImageReference ref = ImageReference.parse(fake.host() + "/app:1");
        RegistryClient client = RegistryClient.builder()
                .insecure(fake.host())
                .dockerConfig(null)
                .build();
        ImageException e = assertThrows(ImageException.class, () -> client.pull(ref, store));
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        assertTrue(e.getMessage().contains("No space left on device"), e.getMessage());
        assertEquals(List.of(), store.list(), "no image half-stored");
        assertEquals(List.of(), store.check(), "the store is consistent");
        // Room again: the same store takes the same pull.
        Process p = new ProcessBuilder("mount", "-o", "remount,size=16m", mount.toString()).start();
        assertEquals(0, p.waitFor());
        ImageRecord r = client.pull(ref, store);
        assertEquals(img.manifestDigest(), r.manifestDigest());
        assertEquals(List.of(), store.check());
    }
}
