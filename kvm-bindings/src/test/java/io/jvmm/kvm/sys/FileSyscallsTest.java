package io.jvmm.kvm.sys;

import static io.jvmm.kvm.sys.FileSyscalls.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSyscallsTest {
    private static final long CONFINED = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    private static final byte[] EMPTY = new byte[0];

    @TempDir
    Path dir;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private int openDir(Path p) {
        return Libc.open(p.toString(), Libc.O_PATH | O_DIRECTORY | Libc.O_CLOEXEC);
    }

    @Test
    void openat2RefusesDotDotAndSymlinksButReturnsATrailingSymlinkItself() throws Exception {
        Files.createDirectory(dir.resolve("share"));
        Files.createSymbolicLink(dir.resolve("share/abs"), Path.of("/etc"));
        int share = openDir(dir.resolve("share"));
        try {
            assertEquals(-Errno.EXDEV, openat2(share, b(".."), Libc.O_PATH, 0, CONFINED));
            assertEquals(-Errno.ELOOP, openat2(share, b("abs/passwd"), Libc.O_PATH, 0, CONFINED));
            long fd = openat2(share, b("abs"), Libc.O_PATH | O_NOFOLLOW | Libc.O_CLOEXEC, 0, CONFINED);
            assertTrue(fd >= 0, "O_PATH|O_NOFOLLOW on a trailing symlink opens the link: " + fd);
            assertTrue(stat((int) fd).isSymlink());
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(64);
                long n = readlinkat((int) fd, EMPTY, buf);
                assertEquals(
                        "/etc", new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            }
            close((int) fd);
        } finally {
            close(share);
        }
    }

    @Test
    void metadataCallsWorkOnOPathDescriptors() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                ProcessSyscalls.geteuid() == 0, "chown to another user needs root");
        Path f = Files.writeString(dir.resolve("f"), "hello");
        int d = openDir(dir);
        long fd = openat2(d, b("f"), Libc.O_PATH | O_NOFOLLOW | Libc.O_CLOEXEC, 0, CONFINED);
        try {
            assertEquals(0, fchownat((int) fd, EMPTY, 1234, 5678, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
            assertEquals(0, utimensat((int) fd, EMPTY, 10, 0, 20, 0, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW));
            FileStat s = stat((int) fd);
            assertEquals(1234, s.uid());
            assertEquals(5678, s.gid());
            assertEquals(20, s.mtime());
            assertEquals(FileTime.fromMillis(20_000), Files.getLastModifiedTime(f));
            assertEquals(5, s.size());
            assertEquals(-Errno.EBADF, fchmod((int) fd, 0600), "O_PATH descriptors refuse fd-based calls");
        } finally {
            close((int) fd);
            close(d);
        }
    }

    @Test
    void namedCallsReturnNegativeErrno() throws Exception {
        int d = openDir(dir);
        try {
            assertEquals(0, mkdirat(d, b("sub"), 0755));
            assertEquals(-Errno.EEXIST, mkdirat(d, b("sub"), 0755));
            assertEquals(0, mknodat(d, b("fifo"), FileStat.S_IFIFO | 0644, 0));
            assertEquals(0, symlinkat(b("/nowhere"), d, b("link")));
            assertEquals(-Errno.EEXIST, renameat2(d, b("fifo"), d, b("link"), RENAME_NOREPLACE));
            assertEquals(0, renameat2(d, b("fifo"), d, b("link"), RENAME_EXCHANGE));
            assertTrue(Files.isSymbolicLink(dir.resolve("fifo")));
            assertEquals(0, unlinkat(d, b("sub"), AT_REMOVEDIR));
            assertEquals(-Errno.ENOENT, unlinkat(d, b("sub"), AT_REMOVEDIR));
            NativeException e =
                    assertThrows(NativeException.class, () -> check("unlinkat(sub)", unlinkat(d, b("sub"), 0)));
            assertEquals("unlinkat(sub) failed: ENOENT (No such file or directory)", e.getMessage());
        } finally {
            close(d);
        }
    }

    @Test
    void getdentsListsEveryName() throws Exception {
        for (String n : new String[] {"a", "bb", "ccc"}) Files.createFile(dir.resolve(n));
        int fd = Libc.open(dir.toString(), Libc.O_RDONLY | O_DIRECTORY | Libc.O_CLOEXEC);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096, 8);
            long n = getdents64(fd, buf);
            Set<String> names = new TreeSet<>();
            for (long off = 0; off < n; ) {
                int reclen = buf.get(ValueLayout.JAVA_SHORT, off + 16) & 0xffff;
                MemorySegment name = buf.asSlice(off + 19);
                names.add(name.getString(0));
                off += reclen;
            }
            assertEquals(Set.of(".", "..", "a", "bb", "ccc"), names);
        } finally {
            close(fd);
        }
    }

    @Test
    void embeddedNulIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> mkdirat(AT_FDCWD, b("x\0y"), 0755));
        assertArrayEquals(new byte[] {'a', 0}, cName(Arena.ofAuto(), b("a")).toArray(ValueLayout.JAVA_BYTE));
    }
}
