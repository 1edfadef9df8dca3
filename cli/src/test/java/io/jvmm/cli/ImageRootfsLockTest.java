package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.image.ContentStore;
import io.jvmm.image.ContentStoreLocks;
import io.jvmm.image.ImageRecord;
import io.jvmm.runtime.image.ImageRootfs;
import io.jvmm.runtime.state.StateDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A root image build and image rm -f / prune exclude each other through the image store's lock. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ImageRootfsLockTest {
    @TempDir
    Path home;

    private final CliRun cli = new CliRun();

    @AfterEach
    void tearDown() {
        System.clearProperty(StateDirs.HOME_PROPERTY);
    }

    @Test
    void rmForceWaitsForAReaderAndABuildWaitsForARemoval() throws Exception {
        System.setProperty(StateDirs.HOME_PROPERTY, home.toString());
        StateDirs dirs = StateDirs.fromEnvironment();
        Path layout = OciTestImage.ociLayout(home.resolve("layout"), OciTestImage.small("lock"), "1");
        assertEquals(0, cli.run("image", "import", layout.toString(), "example.com/lock:1"), cli.err());
        ContentStore store = Images.store(dirs);
        ImageRecord img = store.get("example.com/lock:1");

        // A reader (what a build holds) keeps image rm -f from deleting the layers under it.
        CompletableFuture<Integer> rm;
        try (ContentStore.ReadGuard reading = store.reading()) {
            rm = CompletableFuture.supplyAsync(() -> new CliRun().run("image", "rm", "-f", "example.com/lock:1"));
            Thread.sleep(500);
            assertFalse(rm.isDone(), "image rm -f ran while the store was being read");
            assertTrue(
                    Files.isRegularFile(store.blobPath(img.layers().getFirst().digest())));
        }
        assertEquals(0, rm.get(30, TimeUnit.SECONDS));

        // And a build takes that lock: with a removal holding the store, it waits.
        assertEquals(0, cli.run("image", "import", layout.toString(), "example.com/lock:1"), cli.err());
        ImageRecord again = store.get("example.com/lock:1");
        CompletableFuture<ImageRootfs.Built> build;
        try (var exclusive = ContentStoreLocks.exclusive(store)) {
            build = CompletableFuture.supplyAsync(() -> ImageRootfs.ensure(dirs, store, again));
            Thread.sleep(500);
            assertFalse(build.isDone(), "the build read layers while the store was being changed");
        }
        assertTrue(Files.isRegularFile(build.get(30, TimeUnit.SECONDS).file()));
    }
}
