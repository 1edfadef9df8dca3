package io.jvmm.fuse;

import static io.jvmm.fuse.FuseAbi.*;
import static io.jvmm.fuse.FuseClient.ok;
import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.kvm.sys.Errno;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server's snapshot state: a restored server goes on with the guest's node ids and handles. */
class SnapshotTest {
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    private Path share;
    private long d, f, fh, dh;

    /** A guest that holds a directory, a file in it, an open file handle and an open directory handle. */
    private byte[] snapshotOfABusyGuest(ShareOptions options) throws IOException {
        try (FuseClient c = new FuseClient(FuseServer.open(share, options))) {
            ok(c.init());
            d = c.node(ROOT_ID, "d");
            f = c.node(d, "f");
            fh = ok(c.open(f, O_RDWR)).fh();
            dh = ok(c.opendir(d)).fh();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            c.server.saveState(new DataOutputStream(bytes));
            return bytes.toByteArray();
        }
    }

    private FuseClient restore(Path dir, byte[] state) throws IOException {
        return new FuseClient(
                FuseServer.restore(dir, ShareOptions.defaults(), new DataInputStream(new ByteArrayInputStream(state))));
    }

    @BeforeEach
    void tree() throws IOException {
        Root.assume();
        share = Files.createDirectories(tmp.resolve("share"));
        Files.createDirectories(share.resolve("d"));
        Files.writeString(share.resolve("d/f"), "before");
        Files.writeString(share.resolve("d/g"), "sibling");
    }

    @Test
    void anUnchangedDirectoryKeepsNodesAndOpenHandles() throws IOException {
        byte[] state = snapshotOfABusyGuest(ShareOptions.defaults());
        try (FuseClient c = restore(share, state)) {
            assertEquals("before", ok(c.read(f, fh, 0, 64)).text(), "no INIT needed: the guest had sent it");
            ok(c.write(f, fh, 0, "AFTER!".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("AFTER!", Files.readString(share.resolve("d/f")));
            assertEquals(6, ok(c.getattr(f)).size(16));
            assertTrue(ok(c.readdir(READDIR, d, dh, 0, 4096)).payload().length > 0);
            assertEquals(f, c.node(d, "f"), "a new lookup finds the restored node");
            long g = c.node(d, "g");
            assertTrue(g > f, "new ids continue after the restored ones");
            assertTrue(ok(c.open(g, 0)).fh() > dh, "new handles too");
            ok(c.release(f, fh));
        }
    }

    @Test
    void filesChangedSinceTheSnapshotAreStale() throws IOException {
        byte[] state = snapshotOfABusyGuest(ShareOptions.defaults());
        Files.move(share.resolve("d/f"), tmp.resolve("f-elsewhere"));
        Files.writeString(share.resolve("d/f"), "a new file at the old name");
        try (FuseClient c = restore(share, state)) {
            assertEquals(Errno.ESTALE, c.getattr(f).error());
            assertEquals(Errno.ESTALE, c.read(f, fh, 0, 64).error());
            ok(c.release(f, fh));
            ok(c.getattr(d));
            assertTrue(ok(c.readdir(READDIR, d, dh, 0, 4096)).payload().length > 0);
            long again = c.node(d, "f");
            assertNotEquals(f, again, "the new file gets a new node");
            assertEquals("before", Files.readString(tmp.resolve("f-elsewhere")), "the moved file was not touched");
        }
    }

    @Test
    void aSymlinkSwappedInSinceTheSnapshotIsNotFollowed() throws IOException {
        Path outside = Canary.create(tmp.resolve("outside"));
        Files.writeString(outside.resolve("f"), "outside");
        String canary = Canary.digest(outside);
        byte[] state = snapshotOfABusyGuest(ShareOptions.defaults());
        Files.move(share.resolve("d"), tmp.resolve("d-elsewhere"));
        Files.createSymbolicLink(share.resolve("d"), outside.toAbsolutePath());
        try (FuseClient c = restore(share, state)) {
            assertEquals(Errno.ESTALE, c.getattr(d).error());
            assertEquals(Errno.ESTALE, c.getattr(f).error());
            assertEquals(Errno.ESTALE, c.write(f, fh, 0, new byte[] {'x'}).error());
            assertEquals(Errno.ESTALE, c.create(d, "new", O_RDWR, 0600).error());
        }
        assertEquals(canary, Canary.digest(outside));
    }

    @Test
    void aShareCopiedElsewhereIsMatchedByPath() throws IOException {
        byte[] state = snapshotOfABusyGuest(ShareOptions.defaults());
        Path copy = tmp.resolve("copy");
        try (Stream<Path> walk = Files.walk(share)) {
            for (Path p : walk.toList())
                Files.copy(p, copy.resolve(share.relativize(p).toString()));
        }
        try (FuseClient c = restore(copy, state)) {
            assertEquals("before", ok(c.read(f, fh, 0, 64)).text());
            ok(c.getattr(d));
        }
    }

    @Test
    void aStateThatIsNotOneIsRefusedWithOneLine() {
        IOException e =
                assertThrows(IOException.class, () -> restore(share, "garbage!".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("virtio-fs state: not a FUSE server state", e.getMessage());
        assertThrows(IOException.class, () -> restore(share, new byte[] {0x46, 0x55, 0x53, 0x45, 0, 0, 0, 9}));
    }

    @Test
    void aRestoreWithManyNodesStaysWithinTheDescriptorBound() throws IOException {
        for (int i = 0; i < 100; i++) Files.writeString(share.resolve("d/n" + i), "" + i);
        byte[] state;
        long[] nodes = new long[100];
        try (FuseClient c = new FuseClient(FuseServer.open(share, ShareOptions.defaults()))) {
            ok(c.init());
            long dir = c.node(ROOT_ID, "d");
            for (int i = 0; i < 100; i++) nodes[i] = c.node(dir, "n" + i);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            c.server.saveState(new DataOutputStream(bytes));
            state = bytes.toByteArray();
        }
        ShareOptions small = ShareOptions.defaults().withBounds(16, 16);
        try (FuseClient c = new FuseClient(
                FuseServer.restore(share, small, new DataInputStream(new ByteArrayInputStream(state))))) {
            assertTrue(c.server.openDescriptors() <= 16 + 2, "descriptors " + c.server.openDescriptors());
            for (int i = 0; i < 100; i++)
                assertEquals(("" + i).length(), ok(c.getattr(nodes[i])).size(16));
        }
    }
}
