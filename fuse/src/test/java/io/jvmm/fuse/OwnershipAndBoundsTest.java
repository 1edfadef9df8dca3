package io.jvmm.fuse;

import static io.jvmm.fuse.FuseAbi.*;
import static io.jvmm.fuse.FuseClient.ok;
import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.kvm.sys.Errno;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The id mappings (identity as root, translate as an ordinary user) and the descriptor bounds. */
class OwnershipAndBoundsTest {
    private static final int O_RDWR = 2, HOST_UID = 4321, HOST_GID = 8765;

    @TempDir
    Path tmp;

    private Path share;
    private FuseClient c;

    private void start(ShareOptions options) throws Exception {
        Root.assume();
        share = Files.createDirectories(tmp.resolve("share"));
        c = new FuseClient(FuseServer.open(share, options));
        ok(c.init());
    }

    @AfterEach
    void close() {
        if (c != null) c.close();
    }

    private int uid(String name) throws Exception {
        return (int) Files.getAttribute(share.resolve(name), "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    private int gid(String name) throws Exception {
        return (int) Files.getAttribute(share.resolve(name), "unix:gid", LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    void identityMappingPassesIdsThrough() throws Exception {
        start(ShareOptions.defaults());
        c.uid = 1500;
        c.gid = 1600;
        FuseClient.Answer e = ok(c.create(ROOT_ID, "f", O_RDWR, 0600));
        assertEquals(1500, uid("f"));
        assertEquals(1600, gid("f"));
        assertEquals(1500, e.uid(40));
        ok(c.setattr(e.node(), FATTR_UID | FATTR_GID, 0, 0, 0, 0, 0, 0));
        assertEquals(0, uid("f"));
    }

    @Test
    void setGidDirectoriesKeepTheirGroupForNewFiles() throws Exception {
        start(ShareOptions.defaults());
        long d = ok(c.mkdir(ROOT_ID, "d", 0755)).node();
        ok(c.setattr(d, FATTR_MODE | FATTR_GID, 0, 0, 0, 02775, 0, 777));
        c.uid = 1500;
        c.gid = 1600;
        ok(c.create(d, "f", O_RDWR, 0600));
        ok(c.mkdir(d, "sub", 0755));
        assertEquals(777, gid("d/f"));
        assertEquals(777, gid("d/sub"));
        assertEquals(
                02755,
                (int) Files.getAttribute(share.resolve("d/sub"), "unix:mode") & 07777,
                "the inherited set-gid bit stays");
    }

    @Test
    void translateMappingShowsTheInvokingUserAsRoot() throws Exception {
        start(ShareOptions.defaults().withIds(IdMapping.translate(HOST_UID, HOST_GID)));
        Files.writeString(share.resolve("mine"), "");
        Files.setAttribute(share.resolve("mine"), "unix:uid", HOST_UID);
        Files.setAttribute(share.resolve("mine"), "unix:gid", HOST_GID);
        Files.writeString(share.resolve("roots"), "");
        Files.writeString(share.resolve("others"), "");
        Files.setAttribute(share.resolve("others"), "unix:uid", 1000);
        FuseClient.Answer mine = ok(c.lookup(ROOT_ID, "mine"));
        assertEquals(0, mine.uid(40));
        assertEquals(0, mine.gid(40));
        assertEquals(IdMapping.OVERFLOW_ID, ok(c.lookup(ROOT_ID, "roots")).uid(40), "host root is nobody in the guest");
        assertEquals(1000, ok(c.lookup(ROOT_ID, "others")).uid(40));
        c.uid = 1000;
        c.gid = 1000;
        FuseClient.Answer created = ok(c.create(ROOT_ID, "new", O_RDWR, 0600));
        assertEquals(HOST_UID, uid("new"), "whoever creates, the invoking user owns");
        assertEquals(HOST_GID, gid("new"));
        assertEquals(0, created.uid(40));
        ok(c.mkdir(ROOT_ID, "dir", 0755));
        ok(c.symlink(ROOT_ID, "link", "target"));
        assertEquals(HOST_UID, uid("dir"));
        assertEquals(HOST_UID, uid("link"));
        long roots = c.node(ROOT_ID, "roots");
        ok(c.setattr(roots, FATTR_UID | FATTR_GID, 0, 0, 0, 0, 0, 0));
        assertEquals(HOST_UID, uid("roots"), "chown to guest root is chown to the invoking user");
        assertEquals(
                Errno.EPERM, c.setattr(roots, FATTR_UID, 0, 0, 0, 0, 1000, 0).error(), "guest uid 1000 has no host id");
    }

    @Test
    void idMappingArithmetic() {
        IdMapping t = IdMapping.translate(1000, 100);
        assertEquals(0, t.uidToGuest(1000));
        assertEquals(IdMapping.OVERFLOW_ID, t.uidToGuest(0));
        assertEquals(5, t.uidToGuest(5));
        assertEquals(1000, t.uidToHost(0));
        assertEquals(-1, t.uidToHost(5));
        assertEquals(100, t.gidToHost(0));
        assertEquals(1000, t.creatorUid(77));
        IdMapping i = IdMapping.identity();
        assertEquals(77, i.creatorUid(77));
        assertEquals(0, i.uidToGuest(0));
        assertThrows(IllegalArgumentException.class, () -> IdMapping.translate(-1, 0));
    }

    @Test
    void nodeDescriptorsStayWithinTheBoundAndEvictedNodesStillWork() throws Exception {
        start(ShareOptions.defaults().withBounds(32, 8));
        long[] nodes = new long[300];
        for (int i = 0; i < nodes.length; i++) {
            Files.writeString(share.resolve("f" + i), "content " + i);
            nodes[i] = c.node(ROOT_ID, "f" + i);
            assertTrue(c.server.openDescriptors() <= 32 + 2, "descriptors " + c.server.openDescriptors() + " at " + i);
        }
        assertEquals(301, c.server.nodeCount(), "eviction closes descriptors, not node ids");
        FuseClient.Answer first = ok(c.getattr(nodes[0]));
        assertEquals(9, first.size(16), "re-opened by name after eviction");
        long fh = ok(c.open(nodes[1], 0)).fh();
        assertEquals("content 1", ok(c.read(nodes[1], fh, 0, 64)).text());
        // Moved, not deleted: a deleted file's inode number may be reused at once (see README, limits).
        Files.move(share.resolve("f2"), tmp.resolve("f2-moved-out"));
        Files.writeString(share.resolve("f2"), "a different file");
        assertEquals(Errno.ESTALE, c.getattr(nodes[2]).error(), "the name now holds another inode");
    }

    @Test
    void readdirplusDoesNotOvershootTheBound() throws Exception {
        start(ShareOptions.defaults().withBounds(32, 8));
        for (int i = 0; i < 300; i++) Files.writeString(share.resolve("f" + i), "");
        long fh = ok(c.opendir(ROOT_ID)).fh();
        long offset = 0;
        int names = 0;
        while (true) {
            FuseClient.Answer a = ok(c.readdir(READDIRPLUS, ROOT_ID, fh, offset, 1 << 20));
            assertTrue(c.server.openDescriptors() <= 32 + 2 + 1, "descriptors " + c.server.openDescriptors());
            if (a.payload().length == 0) break;
            ByteBuffer b = a.buf();
            while (b.hasRemaining()) {
                b.position(b.position() + ENTRY_OUT + 8);
                offset = b.getLong();
                int len = b.getInt();
                b.position((b.position() + 4 + len + 7) & ~7);
                names++;
            }
        }
        assertEquals(302, names, "every entry, over several replies");
    }

    @Test
    void handlesAreCappedWithEnfile() throws Exception {
        start(ShareOptions.defaults().withBounds(64, 3));
        Files.writeString(share.resolve("f"), "x");
        long f = c.node(ROOT_ID, "f");
        long a = ok(c.open(f, 0)).fh();
        ok(c.open(f, 0));
        ok(c.opendir(ROOT_ID));
        assertEquals(Errno.ENFILE, c.open(f, 0).error());
        assertEquals(Errno.ENFILE, c.opendir(ROOT_ID).error());
        assertEquals(Errno.ENFILE, c.create(ROOT_ID, "g", O_RDWR, 0600).error());
        assertFalse(Files.exists(share.resolve("g")), "refused before anything was created");
        ok(c.release(f, a));
        ok(c.open(f, 0));
        assertThrows(
                IllegalArgumentException.class, () -> ShareOptions.defaults().withBounds(8, 8));
    }
}
