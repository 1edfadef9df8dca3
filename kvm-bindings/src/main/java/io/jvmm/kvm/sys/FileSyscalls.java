package io.jvmm.kvm.sys;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The file system calls of a file server (the virtio-fs FUSE server): every name-based call is the
 * {@code *at} form relative to a directory descriptor, names are raw bytes (a host file name need not
 * be UTF-8), and {@link #openat2} confines resolution (RESOLVE_BENEATH, RESOLVE_NO_SYMLINKS).
 *
 * <p>Unlike {@link Libc}, these calls do not throw: they return the result, or {@code -errno} when the
 * call failed, because for a file server a failure (ENOENT, EEXIST) is an ordinary answer that goes
 * back to the guest, and an exception with a stack trace per failed lookup would be the slow path.
 * {@link #check} turns a result into a {@link NativeException} naming the call where one is wanted.
 * Arguments are x86-64 system call numbers and layouts, like Libc's.
 */
public final class FileSyscalls {
    public static final int O_ACCMODE = 3,
            O_EXCL = 0x80,
            O_NOCTTY = 0x100,
            O_TRUNC = 0x200,
            O_NONBLOCK = 0x800,
            O_DSYNC = 0x1000,
            O_DIRECT = 0x4000,
            O_LARGEFILE = 0x8000,
            O_DIRECTORY = 0x10000,
            O_NOFOLLOW = 0x20000,
            O_NOATIME = 0x40000,
            O_SYNC = 0x101000;
    public static final int AT_FDCWD = -100,
            AT_SYMLINK_NOFOLLOW = 0x100,
            AT_REMOVEDIR = 0x200,
            AT_SYMLINK_FOLLOW = 0x400,
            AT_EMPTY_PATH = 0x1000;
    /** openat2 {@code resolve} flags (linux/openat2.h). */
    public static final long RESOLVE_NO_XDEV = 0x01,
            RESOLVE_NO_MAGICLINKS = 0x02,
            RESOLVE_NO_SYMLINKS = 0x04,
            RESOLVE_BENEATH = 0x08;

    public static final int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2, RENAME_WHITEOUT = 4;
    public static final int XATTR_CREATE = 1, XATTR_REPLACE = 2;
    /** utimensat's tv_nsec values: set to now, leave alone. */
    public static final long UTIME_NOW = (1L << 30) - 1, UTIME_OMIT = (1L << 30) - 2;

    public static final int SEEK_SET = 0, SEEK_CUR = 1, SEEK_END = 2, SEEK_DATA = 3, SEEK_HOLE = 4;
    /** sizeof(struct statfs) on x86-64. */
    public static final long STATFS_SIZE = 120;

    private static final long SYS_LSEEK = 8,
            SYS_FSYNC = 74,
            SYS_FDATASYNC = 75,
            SYS_FTRUNCATE = 77,
            SYS_FCHMOD = 91,
            SYS_FSTATFS = 138,
            SYS_FSETXATTR = 190,
            SYS_FGETXATTR = 193,
            SYS_FLISTXATTR = 196,
            SYS_FREMOVEXATTR = 199,
            SYS_GETDENTS64 = 217,
            SYS_OPENAT = 257,
            SYS_MKDIRAT = 258,
            SYS_MKNODAT = 259,
            SYS_FCHOWNAT = 260,
            SYS_NEWFSTATAT = 262,
            SYS_UNLINKAT = 263,
            SYS_LINKAT = 265,
            SYS_SYMLINKAT = 266,
            SYS_READLINKAT = 267,
            SYS_FCHMODAT = 268,
            SYS_UTIMENSAT = 280,
            SYS_FALLOCATE = 285,
            SYS_PREADV = 295,
            SYS_PWRITEV = 296,
            SYS_RENAMEAT2 = 316,
            SYS_COPY_FILE_RANGE = 326,
            SYS_OPENAT2 = 437,
            SYS_CLOSE = 3;

    private FileSyscalls() {}

    /** {@code r}, or a {@link NativeException} naming {@code call} when {@code r} is {@code -errno}. */
    public static long check(String call, long r) {
        if (r < 0) throw new NativeException(call, (int) -r);
        return r;
    }

    private static long result(long r) {
        return r < 0 ? -Libc.lastErrno() : r;
    }

    /** {@code name} NUL-terminated; refuses an embedded NUL (the C call would see a shorter name). */
    static MemorySegment cName(Arena arena, byte[] name) {
        for (byte b : name) {
            if (b == 0) throw new IllegalArgumentException("name for a C call contains NUL");
        }
        MemorySegment c = arena.allocate(name.length + 1L);
        MemorySegment.copy(name, 0, c, JAVA_BYTE, 0, name.length);
        return c;
    }

    /**
     * {@code openat2(dirfd, name, {flags, mode, resolve})} (Linux 5.6): opens {@code name} relative to
     * {@code dirfd} with the RESOLVE_* confinement; returns the fd or -errno.
     */
    public static long openat2(int dirfd, byte[] name, long flags, long mode, long resolve) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment how = arena.allocate(24, 8);
            how.set(JAVA_LONG, 0, flags);
            how.set(JAVA_LONG, 8, mode);
            how.set(JAVA_LONG, 16, resolve);
            return result(Libc.syscall(SYS_OPENAT2, dirfd, cName(arena, name).address(), how.address(), 24, 0, 0));
        }
    }

    /** {@code openat(dirfd, name, flags, mode)}: plain resolution, for re-opening through /proc/self/fd. */
    public static long openat(int dirfd, byte[] name, int flags, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return result(Libc.syscall(SYS_OPENAT, dirfd, cName(arena, name).address(), flags, mode, 0, 0));
        }
    }

    /** {@code newfstatat(dirfd, name, buf, flags)} into {@code buf} ({@link FileStat#SIZE} bytes); 0 or -errno. */
    public static long fstatat(int dirfd, byte[] name, int flags, MemorySegment buf) {
        if (buf.byteSize() < FileStat.SIZE)
            throw new IllegalArgumentException("stat buffer of " + buf.byteSize() + " bytes");
        try (Arena arena = Arena.ofConfined()) {
            return result(
                    Libc.syscall(SYS_NEWFSTATAT, dirfd, cName(arena, name).address(), buf.address(), flags, 0, 0));
        }
    }

    /** The status of what {@code fd} refers to (an O_PATH fd to a symlink included), or a NativeException. */
    public static FileStat stat(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(FileStat.SIZE, 8);
            check(
                    "fstatat(" + fd + ", AT_EMPTY_PATH)",
                    fstatat(fd, new byte[0], AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, buf));
            return FileStat.decode(buf);
        }
    }

    public static long mkdirat(int dirfd, byte[] name, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return result(Libc.syscall(SYS_MKDIRAT, dirfd, cName(arena, name).address(), mode));
        }
    }

    public static long mknodat(int dirfd, byte[] name, int mode, long dev) {
        try (Arena arena = Arena.ofConfined()) {
            return result(Libc.syscall(SYS_MKNODAT, dirfd, cName(arena, name).address(), mode, dev, 0, 0));
        }
    }

    /** {@code unlinkat(dirfd, name, flags)}; AT_REMOVEDIR removes a directory. */
    public static long unlinkat(int dirfd, byte[] name, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return result(Libc.syscall(SYS_UNLINKAT, dirfd, cName(arena, name).address(), flags));
        }
    }

    /** {@code renameat2(olddir, oldname, newdir, newname, flags)}: RENAME_NOREPLACE, RENAME_EXCHANGE. */
    public static long renameat2(int olddir, byte[] oldname, int newdir, byte[] newname, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return result(Libc.syscall(
                    SYS_RENAMEAT2,
                    olddir,
                    cName(arena, oldname).address(),
                    newdir,
                    cName(arena, newname).address(),
                    flags,
                    0));
        }
    }

    /** {@code linkat(olddir, oldname, newdir, newname, flags)}; AT_EMPTY_PATH links the fd itself. */
    public static long linkat(int olddir, byte[] oldname, int newdir, byte[] newname, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return result(Libc.syscall(
                    SYS_LINKAT,
                    olddir,
                    cName(arena, oldname).address(),
                    newdir,
                    cName(arena, newname).address(),
                    flags,
                    0));
        }
    }

    /** {@code symlinkat(target, newdir, name)}: the target is stored, never resolved. */
    public static long symlinkat(byte[] target, int newdir, byte[] name) {
        try (Arena arena = Arena.ofConfined()) {
            return result(Libc.syscall(
                    SYS_SYMLINKAT,
                    cName(arena, target).address(),
                    newdir,
                    cName(arena, name).address()));
        }
    }

    /** {@code readlinkat(dirfd, name, buf)}: the target's length (not terminated) or -errno. */
    public static long readlinkat(int dirfd, byte[] name, MemorySegment buf) {
        try (Arena arena = Arena.ofConfined()) {
            return result(Libc.syscall(
                    SYS_READLINKAT, dirfd, cName(arena, name).address(), buf.address(), buf.byteSize(), 0, 0));
        }
    }

    /** {@code fchmodat(dirfd, name, mode, 0)}: follows a final symlink, so only for names that are not one. */
    public static long fchmodat(int dirfd, byte[] name, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            return result(Libc.syscall(SYS_FCHMODAT, dirfd, cName(arena, name).address(), mode));
        }
    }

    public static long fchmod(int fd, int mode) {
        return result(Libc.syscall(SYS_FCHMOD, fd, mode, 0));
    }

    /** {@code fchownat(dirfd, name, uid, gid, flags)}; -1 leaves an id alone. */
    public static long fchownat(int dirfd, byte[] name, int uid, int gid, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return result(Libc.syscall(SYS_FCHOWNAT, dirfd, cName(arena, name).address(), uid, gid, flags, 0));
        }
    }

    /** {@code utimensat(dirfd, name, {atime, mtime}, flags)}; nanoseconds may be UTIME_NOW or UTIME_OMIT. */
    public static long utimensat(
            int dirfd, byte[] name, long atime, long atimeNsec, long mtime, long mtimeNsec, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment times = arena.allocate(32, 8);
            times.set(JAVA_LONG, 0, atime);
            times.set(JAVA_LONG, 8, atimeNsec);
            times.set(JAVA_LONG, 16, mtime);
            times.set(JAVA_LONG, 24, mtimeNsec);
            return result(
                    Libc.syscall(SYS_UTIMENSAT, dirfd, cName(arena, name).address(), times.address(), flags, 0, 0));
        }
    }

    public static long ftruncate(int fd, long length) {
        return result(Libc.syscall(SYS_FTRUNCATE, fd, length, 0));
    }

    public static long fallocate(int fd, int mode, long offset, long length) {
        return result(Libc.syscall(SYS_FALLOCATE, fd, mode, offset, length, 0, 0));
    }

    public static long lseek(int fd, long offset, int whence) {
        return result(Libc.syscall(SYS_LSEEK, fd, offset, whence));
    }

    /** {@code copy_file_range(in, &offIn, out, &offOut, len, flags)}: bytes copied or -errno. */
    public static long copyFileRange(int in, long offIn, int out, long offOut, long len, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment offs = arena.allocate(16, 8);
            offs.set(JAVA_LONG, 0, offIn);
            offs.set(JAVA_LONG, 8, offOut);
            return result(Libc.syscall(SYS_COPY_FILE_RANGE, in, offs.address(), out, offs.address() + 8, len, flags));
        }
    }

    public static long fsync(int fd) {
        return result(Libc.syscall(SYS_FSYNC, fd, 0, 0));
    }

    public static long fdatasync(int fd) {
        return result(Libc.syscall(SYS_FDATASYNC, fd, 0, 0));
    }

    /** {@code getdents64(fd, buf)}: bytes of {@code struct linux_dirent64} records, 0 at the end. */
    public static long getdents64(int fd, MemorySegment buf) {
        return result(Libc.syscall(SYS_GETDENTS64, fd, buf.address(), buf.byteSize()));
    }

    /** {@code fstatfs(fd, buf)} into {@link #STATFS_SIZE} bytes; works on O_PATH fds. */
    public static long fstatfs(int fd, MemorySegment buf) {
        if (buf.byteSize() < STATFS_SIZE)
            throw new IllegalArgumentException("statfs buffer of " + buf.byteSize() + " bytes");
        return result(Libc.syscall(SYS_FSTATFS, fd, buf.address(), 0));
    }

    /** {@code fgetxattr(fd, name, value)}: the value's size (all of it when {@code value} is empty) or -errno. */
    public static long fgetxattr(int fd, byte[] name, MemorySegment value) {
        try (Arena arena = Arena.ofConfined()) {
            return result(Libc.syscall(
                    SYS_FGETXATTR, fd, cName(arena, name).address(), value.address(), value.byteSize(), 0, 0));
        }
    }

    public static long fsetxattr(int fd, byte[] name, MemorySegment value, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            return result(Libc.syscall(
                    SYS_FSETXATTR, fd, cName(arena, name).address(), value.address(), value.byteSize(), flags, 0));
        }
    }

    /** {@code flistxattr(fd, list)}: NUL-separated names; their total size when {@code list} is empty. */
    public static long flistxattr(int fd, MemorySegment list) {
        return result(Libc.syscall(SYS_FLISTXATTR, fd, list.address(), list.byteSize()));
    }

    public static long fremovexattr(int fd, byte[] name) {
        try (Arena arena = Arena.ofConfined()) {
            return result(Libc.syscall(SYS_FREMOVEXATTR, fd, cName(arena, name).address(), 0));
        }
    }

    /** {@code preadv(fd, iov, iovcnt, offset)} over {@link Libc#IOVEC}s: bytes read or -errno. */
    public static long preadv(int fd, MemorySegment iov, int iovcnt, long offset) {
        return result(Libc.syscall(SYS_PREADV, fd, iov.address(), iovcnt, offset, 0, 0));
    }

    /** {@code pwritev(fd, iov, iovcnt, offset)}: bytes written or -errno. */
    public static long pwritev(int fd, MemorySegment iov, int iovcnt, long offset) {
        return result(Libc.syscall(SYS_PWRITEV, fd, iov.address(), iovcnt, offset, 0, 0));
    }

    /** {@code close(fd)}: 0 or -errno (a server closing a descriptor it owns only logs a failure). */
    public static long close(int fd) {
        return result(Libc.syscall(SYS_CLOSE, fd, 0, 0));
    }
}
