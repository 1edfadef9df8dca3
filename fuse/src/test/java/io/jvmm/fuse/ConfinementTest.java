package io.jvmm.fuse;

import static io.jvmm.fuse.FuseAbi.*;
import static io.jvmm.fuse.FuseClient.body;
import static io.jvmm.fuse.FuseClient.ok;
import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.FileSyscalls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each way out of the share (issue 17, point 3) as its own test. The canary directory beside the
 * share must have the same digest afterwards, whatever the guest tried.
 */
class ConfinementTest {
    private static final int O_RDWR = 2;

    @TempDir
    Path tmp;

    private Path share, outside;
    private String before;
    private FuseClient c;

    @BeforeEach
    void start() throws Exception {
        Root.assume();
        share = Files.createDirectories(tmp.resolve("share"));
        outside = Canary.create(tmp.resolve("outside"));
        before = Canary.digest(outside);
        c = new FuseClient(FuseServer.open(share, ShareOptions.defaults().withBounds(16, 64)));
        ok(c.init());
    }

    @AfterEach
    void untouched() {
        if (c == null) return;
        c.close();
        assertEquals(before, Canary.digest(outside), "the canary outside the share changed");
    }

    @Test
    void dotDotAtTheRootIsRefused() {
        assertEquals(Errno.EINVAL, c.lookup(ROOT_ID, "..").error());
        assertEquals(Errno.EINVAL, c.lookup(ROOT_ID, ".").error());
        assertEquals(Errno.EINVAL, c.mkdir(ROOT_ID, "..", 0755).error());
        assertEquals(Errno.EINVAL, c.create(ROOT_ID, "..", O_RDWR, 0600).error());
        assertEquals(Errno.EINVAL, c.rename2(ROOT_ID, "..", ROOT_ID, "x", 0).error());
    }

    @Test
    void namesWithSlashNulOrEmptyAreRefused() {
        assertEquals(Errno.EINVAL, c.lookup(ROOT_ID, "../outside").error());
        assertEquals(Errno.EINVAL, c.lookup(ROOT_ID, "../outside/passwd").error());
        assertEquals(Errno.EINVAL, c.lookup(ROOT_ID, "/etc").error());
        assertEquals(Errno.EINVAL, c.lookup(ROOT_ID, "").error());
        assertEquals(
                Errno.EINVAL,
                c.call(LOOKUP, ROOT_ID, "a\0b\0".getBytes(StandardCharsets.US_ASCII))
                        .error(),
                "NUL inside the name");
        assertEquals(
                Errno.EINVAL,
                c.call(LOOKUP, ROOT_ID, "unterminated".getBytes(StandardCharsets.US_ASCII))
                        .error());
        assertEquals(Errno.ENAMETOOLONG, c.lookup(ROOT_ID, "x".repeat(256)).error());
        assertEquals(
                Errno.EINVAL, c.create(ROOT_ID, "../outside/new", O_RDWR, 0600).error());
        assertEquals(Errno.EINVAL, c.symlink(ROOT_ID, "../outside/l", "x").error());
        assertEquals(Errno.EINVAL, c.unlink(ROOT_ID, "../outside/canary-file").error());
    }

    @Test
    void anAbsoluteSymlinkIsNeverFollowedOnTheHost() throws Exception {
        Files.createSymbolicLink(share.resolve("abs"), outside.toAbsolutePath());
        Files.createSymbolicLink(
                share.resolve("absfile"), outside.resolve("canary-file").toAbsolutePath());
        escapeThroughSymlinks("abs", "absfile");
    }

    @Test
    void aRelativeSymlinkIsNeverFollowedOnTheHost() throws Exception {
        Files.createSymbolicLink(share.resolve("rel"), Path.of("../outside"));
        Files.createSymbolicLink(share.resolve("relfile"), Path.of("../outside/canary-file"));
        escapeThroughSymlinks("rel", "relfile");
    }

    /** Every request a guest could aim through a directory symlink and a file symlink. */
    private void escapeThroughSymlinks(String dirLink, String fileLink) throws Exception {
        FuseClient.Answer d = ok(c.lookup(ROOT_ID, dirLink));
        assertEquals(0120000, d.mode(40) & 0170000, "the link itself, not its target");
        long dl = d.node(), fl = c.node(ROOT_ID, fileLink);
        assertEquals(Errno.ENOTDIR, c.lookup(dl, "canary-file").error());
        assertEquals(Errno.ENOTDIR, c.create(dl, "new", O_RDWR, 0600).error());
        assertEquals(Errno.ENOTDIR, c.mkdir(dl, "new", 0755).error());
        assertEquals(Errno.ENOTDIR, c.unlink(dl, "canary-file").error());
        assertEquals(Errno.ENOTDIR, c.symlink(dl, "l", "x").error());
        assertEquals(Errno.ENOTDIR, c.opendir(dl).error());
        assertEquals(Errno.EACCES, c.open(fl, O_RDWR).error());
        assertEquals(Errno.EACCES, c.open(fl, 0).error());
        assertEquals(Errno.ENOTDIR, c.rename2(ROOT_ID, fileLink, dl, "moved", 0).error());
        assertEquals(
                Errno.EOPNOTSUPP, c.setattr(fl, FATTR_MODE, 0, 0, 0, 0777, 0, 0).error());
        assertEquals(Errno.EINVAL, c.setattr(fl, FATTR_SIZE, 0, 0, 0, 0, 0, 0).error());
        ok(c.setattr(fl, FATTR_UID | FATTR_GID | FATTR_MTIME, 0, 0, 5, 0, 4321, 4321)); // changes the link only
        assertEquals(4321, (int) attr(share.resolve(fileLink), "uid"));
        assertEquals(
                Errno.EPERM,
                c.call(
                                SETXATTR,
                                fl,
                                body().u32(1)
                                        .u32(0)
                                        .name("user.x")
                                        .bytes(new byte[1])
                                        .array())
                        .error());
        assertEquals(
                Errno.ENODATA,
                c.call(GETXATTR, fl, body().u32(64).u32(0).name("user.x").array())
                        .error());
        // CREATE at the link's name: O_EXCL finds it there, without O_EXCL it is not followed.
        assertEquals(
                Errno.EEXIST,
                c.create(ROOT_ID, fileLink, O_RDWR | FileSyscalls.O_EXCL, 0600).error());
        assertEquals(
                Errno.ELOOP,
                c.create(ROOT_ID, fileLink, O_RDWR | FileSyscalls.O_TRUNC, 0600).error());
        assertEquals(Errno.EEXIST, c.mknod(ROOT_ID, fileLink, 0100600, 0).error());
        assertEquals(Errno.EEXIST, c.mkdir(ROOT_ID, dirLink, 0755).error());
        // A hard link to the symlink is a link to the link, still inside the share.
        ok(c.link(fl, ROOT_ID, "hard"));
        assertTrue(Files.isSymbolicLink(share.resolve("hard")));
        ok(c.unlink(ROOT_ID, fileLink));
        assertTrue(Files.exists(outside.resolve("canary-file")), "unlinking the link leaves its target");
    }

    private static Object attr(Path p, String name) throws Exception {
        return Files.getAttribute(p, "unix:" + name, LinkOption.NOFOLLOW_LINKS);
    }

    @Test
    @Timeout(60) // a hang guard: opening a FIFO for reading would block the server for good
    void createAtAnExistingFifoOrDeviceNeverOpensIt() throws Exception {
        ok(c.mknod(ROOT_ID, "fifo", 0010000 | 0666, 0));
        assertEquals(Errno.EACCES, c.create(ROOT_ID, "fifo", 0, 0600).error());
        assertEquals(Errno.EACCES, c.open(c.node(ROOT_ID, "fifo"), 0).error());
        FileSyscalls.check(
                "mknodat",
                FileSyscalls.mknodat(
                        FileSyscalls.AT_FDCWD,
                        share.resolve("null").toString().getBytes(StandardCharsets.UTF_8),
                        0020000 | 0666,
                        (1 << 8) | 3));
        assertEquals(Errno.EACCES, c.create(ROOT_ID, "null", O_RDWR, 0600).error(), "a host device node in the share");
        ok(c.mkdir(ROOT_ID, "d", 0755));
        assertEquals(Errno.EISDIR, c.create(ROOT_ID, "d", O_RDWR, 0600).error());
    }

    @Test
    void forgedAndForgottenNodeIdsAreRefused() throws Exception {
        Files.writeString(share.resolve("f"), "x");
        long f = c.node(ROOT_ID, "f");
        for (long forged : new long[] {0, 2 + f, 12345, Long.MAX_VALUE, -1, Long.MIN_VALUE}) {
            assertEquals(Errno.EBADF, c.getattr(forged).error(), "node " + forged);
            assertEquals(Errno.EBADF, c.lookup(forged, "f").error());
            assertEquals(Errno.EBADF, c.open(forged, 0).error());
            assertEquals(Errno.EBADF, c.link(forged, ROOT_ID, "g").error());
            assertEquals(Errno.EBADF, c.rename2(ROOT_ID, "f", forged, "g", 0).error());
        }
        c.forget(f, 1);
        assertEquals(Errno.EBADF, c.getattr(f).error(), "a forgotten id is gone");
        assertEquals(Errno.EBADF, c.link(f, ROOT_ID, "g").error());
        assertNotEquals(f, c.node(ROOT_ID, "f"), "ids are never reused");
    }

    @Test
    void forgedFileHandlesAreRefused() throws Exception {
        Files.writeString(share.resolve("f"), "secret");
        Files.writeString(share.resolve("g"), "other");
        long f = c.node(ROOT_ID, "f"), g = c.node(ROOT_ID, "g");
        long fh = ok(c.open(f, 0)).fh();
        long dh = ok(c.opendir(ROOT_ID)).fh();
        for (long forged : new long[] {0, fh + 1000, -1, Long.MAX_VALUE}) {
            assertEquals(Errno.EBADF, c.read(f, forged, 0, 10).error());
            assertEquals(Errno.EBADF, c.write(f, forged, 0, new byte[1]).error());
            assertEquals(Errno.EBADF, c.release(f, forged).error());
        }
        assertEquals(Errno.EBADF, c.read(g, fh, 0, 10).error(), "another node's handle");
        assertEquals(Errno.EBADF, c.read(ROOT_ID, dh, 0, 10).error(), "a directory handle for READ");
        assertEquals(Errno.EBADF, c.readdir(READDIR, f, fh, 0, 4096).error(), "a file handle for READDIR");
        assertEquals(Errno.EBADF, c.releasedir(f, fh).error());
        ok(c.release(f, fh));
        assertEquals(Errno.EBADF, c.read(f, fh, 0, 10).error(), "a released handle");
        assertEquals(Errno.EBADF, c.release(f, fh).error(), "released twice");
    }

    @Test
    void hardLinksCannotReachOutside() throws Exception {
        Files.writeString(share.resolve("f"), "x");
        long f = c.node(ROOT_ID, "f");
        assertEquals(Errno.EINVAL, c.link(f, ROOT_ID, "../outside/hard").error());
        assertEquals(Errno.EBADF, c.link(99, ROOT_ID, "hard").error(), "no node id for a file outside");
        ok(c.link(f, ROOT_ID, "hard"));
        assertFalse(Files.exists(outside.resolve("hard")));
        // A directory cannot be hard-linked (that would let a guest make a second way into a subtree).
        long d = ok(c.mkdir(ROOT_ID, "d", 0755)).node();
        assertEquals(Errno.EPERM, c.link(d, ROOT_ID, "d2").error());
    }

    @Test
    void aHeldDirectoryKeepsPointingAtItsInodeAfterItIsReplacedByASymlink() throws Exception {
        Files.createDirectory(share.resolve("d"));
        long d = c.node(ROOT_ID, "d");
        Files.move(share.resolve("d"), share.resolve("d-old"));
        Files.createSymbolicLink(share.resolve("d"), outside.toAbsolutePath());
        ok(c.create(d, "canary-file", O_RDWR, 0600));
        assertTrue(Files.exists(share.resolve("d-old/canary-file")), "created in the directory the node pins");
    }

    @Test
    void anEvictedNodeIsNotReopenedThroughASymlinkSwappedIn() throws Exception {
        Files.createDirectory(share.resolve("d"));
        long d = c.node(ROOT_ID, "d");
        for (int i = 0; i < 40; i++) {
            Files.writeString(share.resolve("f" + i), "");
            c.node(ROOT_ID, "f" + i);
        }
        assertTrue(c.server.openDescriptors() <= 16 + 2, "bounded: " + c.server.openDescriptors());
        Files.move(share.resolve("d"), tmp.resolve("d-moved"));
        Files.createSymbolicLink(share.resolve("d"), outside.toAbsolutePath());
        assertEquals(Errno.ESTALE, c.lookup(d, "canary-file").error());
        assertEquals(Errno.ESTALE, c.create(d, "canary-file", O_RDWR, 0600).error());
        assertEquals(Errno.ESTALE, c.opendir(d).error());
    }

    @Test
    void renamesBetweenDirectoriesKeepNodesUsable() throws Exception {
        long a = ok(c.mkdir(ROOT_ID, "a", 0755)).node();
        long b = ok(c.mkdir(ROOT_ID, "b", 0755)).node();
        long sub = ok(c.mkdir(a, "sub", 0755)).node();
        ok(c.rename2(a, "sub", b, "sub2", 0));
        for (int i = 0; i < 40; i++) ok(c.mkdir(ROOT_ID, "fill" + i, 0755)); // evicts sub's descriptor
        ok(c.create(sub, "x", O_RDWR, 0600));
        assertTrue(Files.exists(share.resolve("b/sub2/x")), "re-opened under its new name");
        assertEquals(Errno.EINVAL, c.rename2(b, "sub2", ROOT_ID, "..", 0).error());
    }
}
