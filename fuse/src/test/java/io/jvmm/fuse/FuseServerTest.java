package io.jvmm.fuse;

import static io.jvmm.fuse.FuseAbi.*;
import static io.jvmm.fuse.FuseClient.body;
import static io.jvmm.fuse.FuseClient.ok;
import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.FileSyscalls;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every opcode over a temporary directory: results on the host, errno mapping, INIT negotiation. */
class FuseServerTest {
    private static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2;

    @TempDir
    Path tmp;

    private Path share;
    private FuseClient c;

    private FuseClient start(ShareOptions options) throws Exception {
        Root.assume();
        share = Files.createDirectories(tmp.resolve("share"));
        c = new FuseClient(FuseServer.open(share, options));
        ok(c.init());
        return c;
    }

    private FuseClient start() throws Exception {
        return start(ShareOptions.defaults());
    }

    @AfterEach
    void close() {
        if (c != null) c.close();
    }

    @Test
    void initNegotiatesVersionFlagsAndSizes() throws Exception {
        Root.assume();
        share = Files.createDirectories(tmp.resolve("share"));
        c = new FuseClient(FuseServer.open(share, ShareOptions.defaults()));
        assertEquals(Errno.EIO, c.getattr(ROOT_ID).error(), "nothing but INIT before INIT");
        FuseClient.Answer a =
                ok(c.init(7, 36, ASYNC_READ | BIG_WRITES | (1 << 1) | DO_READDIRPLUS | HANDLE_KILLPRIV_V2));
        assertEquals(64, a.payload().length);
        assertEquals(7, a.u32(0));
        assertEquals(36, a.u32(4), "the smaller minor");
        assertEquals(
                ASYNC_READ | BIG_WRITES | DO_READDIRPLUS | HANDLE_KILLPRIV_V2,
                a.u32(12),
                "offered flags the kernel has; never POSIX_LOCKS");
        assertEquals(MAX_WRITE, a.u32(20));
        assertEquals(37, ok(c.init(7, 40, -1)).u32(4), "a newer kernel gets our minor");
        assertEquals(8, ok(c.init(8, 1, 0)).payload().length, "a newer major gets our major alone");
        assertEquals(Errno.EPROTO, c.init(7, 30, 0).error());
        assertEquals(Errno.EPROTO, c.init(6, 40, 0).error());
    }

    @Test
    void lookupAndGetattrReportTheHostFile() throws Exception {
        start();
        Files.writeString(share.resolve("f"), "hello");
        FuseClient.Answer e = ok(c.lookup(ROOT_ID, "f"));
        assertTrue(e.node() > ROOT_ID);
        assertEquals(5, e.size(40));
        assertEquals(0100000, e.mode(40) & 0170000);
        assertEquals(1, e.u64(16), "entry_valid is a second in auto mode");
        assertEquals(5, ok(c.getattr(e.node())).size(16));
        assertEquals(e.node(), c.node(ROOT_ID, "f"), "a second lookup finds the same node");
        assertEquals(Errno.ENOENT, c.lookup(ROOT_ID, "missing").error());
        assertEquals(Errno.ENOTDIR, c.lookup(e.node(), "x").error());
    }

    @Test
    void mkdirMknodAndSymlinkCreateWithExactModeAndCallerOwner() throws Exception {
        start();
        c.uid = 1000;
        c.gid = 1001;
        long d = ok(c.mkdir(ROOT_ID, "d", 0750)).node();
        assertEquals("rwxr-x---", PosixFilePermissions.toString(Files.getPosixFilePermissions(share.resolve("d"))));
        assertEquals(1000, Files.getAttribute(share.resolve("d"), "unix:uid"));
        assertEquals(1001, Files.getAttribute(share.resolve("d"), "unix:gid"));
        ok(c.mknod(d, "fifo", 0010000 | 0666, 0));
        assertEquals(
                0666,
                (int) Files.getAttribute(share.resolve("d/fifo"), "unix:mode") & 0777,
                "the host umask does not apply twice");
        ok(c.mknod(d, "reg", 0100000 | 0600, 0));
        assertTrue(Files.isRegularFile(share.resolve("d/reg")));
        assertEquals(
                Errno.EPERM,
                c.mknod(d, "null", 0020000 | 0666, (1 << 8) | 3).error(),
                "devices only when the share allows");
        assertEquals(Errno.EEXIST, c.mkdir(ROOT_ID, "d", 0755).error());
        long l = ok(c.symlink(d, "link", "../somewhere")).node();
        assertEquals(Path.of("../somewhere"), Files.readSymbolicLink(share.resolve("d/link")));
        assertEquals(1000, Files.getAttribute(share.resolve("d/link"), "unix:uid", LinkOption.NOFOLLOW_LINKS));
        assertEquals("../somewhere", ok(c.call(READLINK, l, new byte[0])).text());
        assertEquals(Errno.EINVAL, c.call(READLINK, d, new byte[0]).error());
    }

    @Test
    void devicesWhenAllowed() throws Exception {
        start(ShareOptions.defaults().withDevices(true));
        ok(c.mknod(ROOT_ID, "null", 0020000 | 0666, (1 << 8) | 3));
        assertEquals(0020000, (int) Files.getAttribute(share.resolve("null"), "unix:mode") & 0170000);
        assertEquals((1L << 8) | 3, ((Number) Files.getAttribute(share.resolve("null"), "unix:rdev")).longValue());
    }

    @Test
    void createWriteReadRelease() throws Exception {
        start();
        FuseClient.Answer cr = ok(c.create(ROOT_ID, "new", O_RDWR, 0640));
        long node = cr.node(), fh = cr.u64(ENTRY_OUT);
        byte[] data = "0123456789".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        assertEquals(data.length, ok(c.write(node, fh, 0, data)).u32(0));
        assertArrayEquals(data, Files.readAllBytes(share.resolve("new")));
        assertEquals("34567", ok(c.read(node, fh, 3, 5)).text());
        assertEquals(0, ok(c.read(node, fh, 1 << 20, 4096)).payload().length, "reading past the end is empty");
        ok(c.release(node, fh));
        assertEquals(Errno.EBADF, c.read(node, fh, 0, 5).error(), "a released handle is gone");
        assertEquals(
                Errno.EEXIST,
                c.create(ROOT_ID, "new", O_RDWR | FileSyscalls.O_EXCL, 0640).error());
        FuseClient.Answer again = ok(c.create(ROOT_ID, "new", O_RDWR, 0600));
        assertEquals(node, again.node(), "CREATE without O_EXCL opens the existing file");
        assertEquals(
                "rw-r-----",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(share.resolve("new"))),
                "and leaves its mode");
    }

    @Test
    void openHonoursAccessModeAndTruncate() throws Exception {
        start();
        Files.writeString(share.resolve("f"), "abcdef");
        long n = c.node(ROOT_ID, "f");
        long ro = ok(c.open(n, O_RDONLY)).fh();
        assertEquals(Errno.EBADF, c.write(n, ro, 0, new byte[1]).error(), "no writing through a read-only handle");
        long rw = ok(c.open(n, O_RDWR | FileSyscalls.O_TRUNC)).fh();
        assertEquals(0, Files.size(share.resolve("f")));
        ok(c.write(n, rw, 2, "xy".getBytes(StandardCharsets.US_ASCII)));
        assertArrayEquals(new byte[] {0, 0, 'x', 'y'}, Files.readAllBytes(share.resolve("f")));
        assertEquals(Errno.EISDIR, c.open(ROOT_ID, O_RDONLY).error());
        ok(c.call(FLUSH, n, body().u64(rw).u32(0).u32(0).u64(0).array()));
        ok(c.call(FSYNC, n, body().u64(rw).u32(0).u32(0).array()));
        ok(c.call(FSYNC, n, body().u64(rw).u32(FSYNC_FDATASYNC).u32(0).array()));
    }

    @Test
    void writeLengthMustMatchTheHeader() throws Exception {
        start();
        FuseClient.Answer cr = ok(c.create(ROOT_ID, "f", O_RDWR, 0600));
        byte[] lie = body().u64(cr.u64(ENTRY_OUT))
                .u64(0)
                .u32(100)
                .u32(0)
                .u64(0)
                .u32(0)
                .u32(0)
                .bytes(new byte[10])
                .array();
        assertEquals(Errno.EINVAL, c.call(WRITE, cr.node(), lie).error());
        assertEquals(0, Files.size(share.resolve("f")));
    }

    @Test
    void unlinkRmdirAndTheirErrors() throws Exception {
        start();
        Files.createDirectories(share.resolve("d/sub"));
        Files.writeString(share.resolve("f"), "x");
        long d = c.node(ROOT_ID, "d");
        assertEquals(Errno.ENOTEMPTY, c.rmdir(ROOT_ID, "d").error());
        assertEquals(Errno.EISDIR, c.unlink(d, "sub").error());
        ok(c.rmdir(d, "sub"));
        ok(c.unlink(ROOT_ID, "f"));
        assertEquals(Errno.ENOENT, c.unlink(ROOT_ID, "f").error());
        assertFalse(Files.exists(share.resolve("f")));
    }

    @Test
    void renameNoreplaceExchangeAndWhiteout() throws Exception {
        start();
        Files.writeString(share.resolve("a"), "A");
        Files.writeString(share.resolve("b"), "B");
        long d = ok(c.mkdir(ROOT_ID, "d", 0755)).node();
        ok(c.call(RENAME, ROOT_ID, body().u64(d).name("a").name("a2").array()));
        assertEquals("A", Files.readString(share.resolve("d/a2")));
        assertEquals(
                Errno.EEXIST,
                c.rename2(ROOT_ID, "b", d, "a2", FileSyscalls.RENAME_NOREPLACE).error());
        ok(c.rename2(ROOT_ID, "b", d, "a2", FileSyscalls.RENAME_EXCHANGE));
        assertEquals("B", Files.readString(share.resolve("d/a2")));
        assertEquals("A", Files.readString(share.resolve("b")));
        assertEquals(
                Errno.EINVAL,
                c.rename2(ROOT_ID, "b", d, "c", FileSyscalls.RENAME_WHITEOUT).error());
        assertEquals(Errno.EBADF, c.rename2(ROOT_ID, "b", 999, "c", 0).error());
    }

    @Test
    void linkSharesTheNode() throws Exception {
        start();
        Files.writeString(share.resolve("f"), "x");
        long f = c.node(ROOT_ID, "f");
        FuseClient.Answer l = ok(c.link(f, ROOT_ID, "g"));
        assertEquals(f, l.node());
        assertEquals(2, l.u32(40 + 64), "nlink");
        assertTrue(Files.isSameFile(share.resolve("f"), share.resolve("g")));
        long d = ok(c.mkdir(ROOT_ID, "d", 0755)).node();
        assertEquals(Errno.EPERM, c.link(d, ROOT_ID, "d2").error());
    }

    @Test
    void setattrModeOwnerSizeAndTimes() throws Exception {
        start();
        Files.writeString(share.resolve("f"), "0123456789");
        long f = c.node(ROOT_ID, "f");
        FuseClient.Answer a = ok(c.setattr(
                f, FATTR_MODE | FATTR_UID | FATTR_GID | FATTR_SIZE | FATTR_MTIME, 0, 4, 1_000_000, 0604, 77, 88));
        assertEquals(0100604, a.mode(16));
        assertEquals(77, a.uid(16));
        assertEquals(4, a.size(16));
        assertEquals("0123", Files.readString(share.resolve("f")));
        assertEquals(
                1_000_000_000L, Files.getLastModifiedTime(share.resolve("f")).toMillis());
        assertEquals(88, Files.getAttribute(share.resolve("f"), "unix:gid"));
        long fh = ok(c.open(f, O_RDWR)).fh();
        ok(c.setattr(f, FATTR_SIZE | FATTR_FH, fh, 1, 0, 0, 0, 0));
        assertEquals("0", Files.readString(share.resolve("f")));
        assertEquals(
                Errno.EBADF,
                c.setattr(f, FATTR_SIZE | FATTR_FH, fh + 100, 1, 0, 0, 0, 0).error());
        assertEquals(
                Errno.EISDIR, c.setattr(ROOT_ID, FATTR_SIZE, 0, 0, 0, 0, 0, 0).error());
    }

    @Test
    void statfsAndAccess() throws Exception {
        start();
        FuseClient.Answer s = ok(c.call(STATFS, ROOT_ID, new byte[0]));
        assertEquals(STATFS_OUT, s.payload().length);
        assertTrue(s.u32(40) > 0, "bsize");
        assertEquals(255, s.u32(44), "namelen");
        Files.writeString(share.resolve("f"), "x");
        Files.setPosixFilePermissions(share.resolve("f"), PosixFilePermissions.fromString("rw-------"));
        long f = c.node(ROOT_ID, "f");
        ok(c.call(ACCESS, f, body().u32(6).u32(0).array()));
        assertEquals(
                Errno.EACCES,
                c.call(ACCESS, f, body().u32(1).u32(0).array()).error(),
                "root needs an x bit to execute");
        c.uid = 1000;
        assertEquals(
                Errno.EACCES, c.call(ACCESS, f, body().u32(4).u32(0).array()).error());
        ok(c.call(ACCESS, f, body().u32(0).u32(0).array()));
        assertTrue(AttrOps.allowed(0100640, 5, 6, 7, 6, 4));
        assertFalse(AttrOps.allowed(0100640, 5, 6, 7, 6, 2));
        assertTrue(AttrOps.allowed(0100604, 5, 6, 7, 8, 4));
        assertTrue(AttrOps.allowed(040000, 5, 6, 0, 0, 1), "root may search any directory");
    }

    @Test
    void xattrsOfTheUserNamespace() throws Exception {
        start();
        Files.writeString(share.resolve("f"), "x");
        long f = c.node(ROOT_ID, "f");
        ok(c.call(
                SETXATTR,
                f,
                body().u32(3)
                        .u32(0)
                        .name("user.k")
                        .bytes("abc".getBytes(StandardCharsets.US_ASCII))
                        .array()));
        assertEquals(
                3,
                ok(c.call(GETXATTR, f, body().u32(0).u32(0).name("user.k").array()))
                        .u32(0));
        assertEquals(
                "abc",
                ok(c.call(GETXATTR, f, body().u32(64).u32(0).name("user.k").array()))
                        .text());
        assertEquals(
                Errno.ERANGE,
                c.call(GETXATTR, f, body().u32(1).u32(0).name("user.k").array()).error());
        assertTrue(
                ok(c.call(LISTXATTR, f, body().u32(256).u32(0).array())).text().contains("user.k\0"));
        assertTrue(ok(c.call(LISTXATTR, f, body().u32(0).u32(0).array())).u32(0) >= 7);
        assertEquals(
                Errno.EEXIST,
                c.call(
                                SETXATTR,
                                f,
                                body().u32(1)
                                        .u32(FileSyscalls.XATTR_CREATE)
                                        .name("user.k")
                                        .bytes(new byte[1])
                                        .array())
                        .error());
        assertEquals(
                Errno.EOPNOTSUPP,
                c.call(
                                SETXATTR,
                                f,
                                body().u32(1)
                                        .u32(0)
                                        .name("trusted.k")
                                        .bytes(new byte[1])
                                        .array())
                        .error());
        assertEquals(
                Errno.EOPNOTSUPP,
                c.call(
                                SETXATTR,
                                f,
                                body().u32(20)
                                        .u32(0)
                                        .name("security.capability")
                                        .zeros(20)
                                        .array())
                        .error());
        assertEquals(
                Errno.EOPNOTSUPP,
                c.call(
                                SETXATTR,
                                f,
                                body().u32(4)
                                        .u32(0)
                                        .name("system.posix_acl_access")
                                        .zeros(4)
                                        .array())
                        .error());
        assertEquals(
                Errno.EOPNOTSUPP,
                c.call(REMOVEXATTR, f, body().name("security.capability").array())
                        .error());
        ok(c.call(REMOVEXATTR, f, body().name("user.k").array()));
        assertEquals(
                Errno.ENODATA,
                c.call(GETXATTR, f, body().u32(64).u32(0).name("user.k").array())
                        .error());
    }

    @Test
    void fallocateLseekAndCopyFileRange() throws Exception {
        start();
        FuseClient.Answer a = ok(c.create(ROOT_ID, "a", O_RDWR, 0600));
        long na = a.node(), fa = a.u64(ENTRY_OUT);
        ok(c.write(na, fa, 0, "hello world".getBytes(StandardCharsets.US_ASCII)));
        ok(c.call(FALLOCATE, na, body().u64(fa).u64(0).u64(8192).u32(0).u32(0).array()));
        assertEquals(8192, Files.size(share.resolve("a")));
        assertEquals(
                0,
                ok(c.call(
                                LSEEK,
                                na,
                                body().u64(fa)
                                        .u64(0)
                                        .u32(FileSyscalls.SEEK_DATA)
                                        .u32(0)
                                        .array()))
                        .u64(0));
        assertEquals(
                Errno.EINVAL,
                c.call(LSEEK, na, body().u64(fa).u64(0).u32(7).u32(0).array()).error());
        FuseClient.Answer b = ok(c.create(ROOT_ID, "b", O_RDWR, 0600));
        FuseClient.Answer copied = ok(c.call(
                COPY_FILE_RANGE,
                na,
                body().u64(fa)
                        .u64(6)
                        .u64(b.node())
                        .u64(b.u64(ENTRY_OUT))
                        .u64(0)
                        .u64(5)
                        .u64(0)
                        .array()));
        assertEquals(5, copied.u32(0));
        assertEquals("world", Files.readString(share.resolve("b")));
    }

    @Test
    void readdirListsEveryNameOnceAcrossSmallReplies() throws Exception {
        start();
        Set<String> expected = new HashSet<>(List.of(".", ".."));
        for (int i = 0; i < 150; i++) {
            Files.createFile(share.resolve("file-" + i));
            expected.add("file-" + i);
        }
        for (int opcode : new int[] {READDIR, READDIRPLUS}) {
            long fh = ok(c.opendir(ROOT_ID)).fh();
            Set<String> seen = new HashSet<>();
            long offset = 0;
            int replies = 0;
            while (true) {
                FuseClient.Answer a = ok(c.readdir(opcode, ROOT_ID, fh, offset, 1024));
                if (a.payload().length == 0) break;
                replies++;
                ByteBuffer b = a.buf();
                while (b.hasRemaining()) {
                    long node = opcode == READDIRPLUS ? b.getLong(b.position()) : 0;
                    if (opcode == READDIRPLUS) b.position(b.position() + ENTRY_OUT);
                    b.getLong();
                    offset = b.getLong();
                    int len = b.getInt();
                    b.getInt();
                    byte[] name = new byte[len];
                    b.get(name);
                    b.position((b.position() + 7) & ~7);
                    String n = new String(name, StandardCharsets.UTF_8);
                    assertTrue(seen.add(n), "listed twice: " + n);
                    if (opcode == READDIRPLUS) assertEquals(n.startsWith("."), node == 0, n + " has node " + node);
                }
            }
            assertEquals(expected, seen);
            assertTrue(replies >= 5, "small replies: " + replies);
            ok(c.releasedir(ROOT_ID, fh));
        }
        long node = c.node(ROOT_ID, "file-7"); // READDIRPLUS counted one lookup, this is the second
        c.forget(node, 1);
        ok(c.getattr(node));
        c.forget(node, 1);
        assertEquals(Errno.EBADF, c.getattr(node).error());
    }

    @Test
    void forgetAndBatchForgetRemoveNodes() throws Exception {
        start();
        Files.writeString(share.resolve("a"), "");
        Files.writeString(share.resolve("b"), "");
        long a = c.node(ROOT_ID, "a");
        c.node(ROOT_ID, "a");
        long b = c.node(ROOT_ID, "b");
        assertEquals(0, c.forget(a, 1).used(), "FORGET has no reply");
        ok(c.getattr(a));
        c.forget(a, 1);
        assertEquals(Errno.EBADF, c.getattr(a).error());
        assertEquals(
                0,
                c.call(BATCH_FORGET, 0, body().u32(1).u32(0).u64(b).u64(1).array())
                        .used());
        assertEquals(Errno.EBADF, c.getattr(b).error());
        assertEquals(
                Errno.EINVAL,
                c.call(BATCH_FORGET, 0, body().u32(5).u32(0).u64(b).u64(1).array())
                        .error(),
                "count beyond the body");
        c.forget(ROOT_ID, 100);
        ok(c.getattr(ROOT_ID));
        assertEquals(1, c.server.nodeCount());
    }

    @Test
    void unknownAndUnimplementedOpcodesAreEnosys() throws Exception {
        start();
        for (int op :
                new int[] {GETLK, SETLK, SETLKW, BMAP, IOCTL, POLL, SETUPMAPPING, SYNCFS, TMPFILE, STATX, 7, 99, -1}) {
            assertEquals(Errno.ENOSYS, c.call(op, ROOT_ID, new byte[16]).error(), FuseAbi.name(op));
        }
        assertEquals(0, c.call(INTERRUPT, 0, body().u64(5).array()).used(), "INTERRUPT has no reply");
    }

    @Test
    void destroyReleasesEverythingAndInitStartsAgain() throws Exception {
        start();
        Files.writeString(share.resolve("f"), "x");
        long f = c.node(ROOT_ID, "f");
        ok(c.open(f, O_RDONLY));
        ok(c.call(DESTROY, 0, new byte[0]));
        assertEquals(1, c.server.openDescriptors(), "only the root remains");
        assertEquals(Errno.EIO, c.getattr(ROOT_ID).error());
        ok(c.init());
        assertEquals(Errno.EBADF, c.getattr(f).error());
    }

    @Test
    void readOnlyShareRefusesEveryChange() throws Exception {
        start(ShareOptions.defaults().withReadOnly(true));
        Files.writeString(share.resolve("f"), "x");
        Files.createDirectory(share.resolve("d"));
        long f = c.node(ROOT_ID, "f"), d = c.node(ROOT_ID, "d");
        long fh = ok(c.open(f, O_RDONLY)).fh();
        assertEquals("x", ok(c.read(f, fh, 0, 10)).text());
        List<FuseClient.Answer> refused = List.of(
                c.open(f, O_WRONLY),
                c.open(f, O_RDONLY | FileSyscalls.O_TRUNC),
                c.create(ROOT_ID, "n", O_RDWR, 0600),
                c.mkdir(ROOT_ID, "n", 0755),
                c.mknod(ROOT_ID, "n", 0100600, 0),
                c.symlink(ROOT_ID, "n", "t"),
                c.unlink(ROOT_ID, "f"),
                c.rmdir(ROOT_ID, "d"),
                c.rename2(ROOT_ID, "f", d, "g", 0),
                c.link(f, d, "g"),
                c.setattr(f, FATTR_MODE, 0, 0, 0, 0777, 0, 0),
                c.write(f, fh, 0, new byte[1]),
                c.call(
                        SETXATTR,
                        f,
                        body().u32(1).u32(0).name("user.k").bytes(new byte[1]).array()),
                c.call(REMOVEXATTR, f, body().name("user.k").array()),
                c.call(FALLOCATE, f, body().u64(fh).u64(0).u64(10).u32(0).u32(0).array()),
                c.call(
                        COPY_FILE_RANGE,
                        f,
                        body().u64(fh)
                                .u64(0)
                                .u64(f)
                                .u64(fh)
                                .u64(0)
                                .u64(1)
                                .u64(0)
                                .array()),
                c.call(ACCESS, f, body().u32(2).u32(0).array()));
        for (int i = 0; i < refused.size(); i++)
            assertEquals(Errno.EROFS, refused.get(i).error(), "request " + i);
        assertEquals("x", Files.readString(share.resolve("f")));
        assertEquals(
                List.of("d", "f"),
                Files.list(share).map(p -> p.getFileName().toString()).sorted().toList());
    }

    @Test
    void cacheModesSetTimeoutsAndOpenFlags() throws Exception {
        for (CacheMode m : CacheMode.values()) {
            start(ShareOptions.defaults().withCache(m));
            Files.writeString(share.resolve("f-" + m), "x");
            FuseClient.Answer e = ok(c.lookup(ROOT_ID, "f-" + m));
            assertEquals(m.timeoutSeconds, e.u64(16));
            assertEquals(m.timeoutSeconds, e.u64(24));
            assertEquals(m.timeoutSeconds, ok(c.getattr(e.node())).u64(0));
            assertEquals(m.fileOpenFlags, ok(c.open(e.node(), O_RDONLY)).u32(8));
            assertEquals(m.dirOpenFlags, ok(c.opendir(ROOT_ID)).u32(8));
            c.close();
        }
        c = null;
        assertEquals(CacheMode.NEVER, CacheMode.parse("never"));
        assertThrows(IllegalArgumentException.class, () -> CacheMode.parse("sometimes"));
    }

    @Test
    void killPrivV2ClearsSetIdBitsOnWrite() throws Exception {
        start();
        Files.writeString(share.resolve("f"), "x");
        Files.setAttribute(share.resolve("f"), "unix:mode", 06755);
        long f = c.node(ROOT_ID, "f");
        long fh = ok(c.open(f, O_RDWR)).fh();
        ok(c.write(f, fh, 0, new byte[] {'y'}, 0));
        assertEquals(
                06755,
                (int) Files.getAttribute(share.resolve("f"), "unix:mode") & 07777,
                "root keeps them without the flag");
        ok(c.write(f, fh, 0, new byte[] {'z'}, WRITE_KILL_SUIDGID));
        assertEquals(0755, (int) Files.getAttribute(share.resolve("f"), "unix:mode") & 07777);
    }
}
