package io.jvmm.kvm.sys;

import java.util.Map;

/**
 * Linux x86-64 errno values ({@code asm-generic/errno-base.h}, {@code errno.h}) with their
 * symbolic names, so error messages read {@code EEXIST (File exists)} rather than {@code 17}.
 */
public final class Errno {
    public static final int EPERM = 1,
            ENOENT = 2,
            ESRCH = 3,
            EINTR = 4,
            EIO = 5,
            ENXIO = 6,
            E2BIG = 7,
            ENOEXEC = 8,
            EBADF = 9,
            ECHILD = 10,
            EAGAIN = 11,
            ENOMEM = 12,
            EACCES = 13,
            EFAULT = 14,
            ENOTBLK = 15,
            EBUSY = 16,
            EEXIST = 17,
            EXDEV = 18,
            ENODEV = 19,
            ENOTDIR = 20,
            EISDIR = 21,
            EINVAL = 22,
            ENFILE = 23,
            EMFILE = 24,
            ENOTTY = 25,
            ETXTBSY = 26,
            EFBIG = 27,
            ENOSPC = 28,
            ESPIPE = 29,
            EROFS = 30,
            EMLINK = 31,
            EPIPE = 32,
            EDOM = 33,
            ERANGE = 34,
            ENAMETOOLONG = 36,
            ENOSYS = 38,
            ENOTEMPTY = 39,
            ELOOP = 40,
            ENODATA = 61,
            EPROTO = 71,
            EOVERFLOW = 75,
            EOPNOTSUPP = 95,
            ETIMEDOUT = 110,
            ESTALE = 116;

    private record Entry(String name, String description) {}

    // Descriptions are glibc's strerror texts, so messages match what C tools print.
    private static final Map<Integer, Entry> TABLE = Map.ofEntries(
            e(EPERM, "EPERM", "Operation not permitted"),
            e(ENOENT, "ENOENT", "No such file or directory"),
            e(ESRCH, "ESRCH", "No such process"),
            e(EINTR, "EINTR", "Interrupted system call"),
            e(EIO, "EIO", "Input/output error"),
            e(ENXIO, "ENXIO", "No such device or address"),
            e(E2BIG, "E2BIG", "Argument list too long"),
            e(ENOEXEC, "ENOEXEC", "Exec format error"),
            e(EBADF, "EBADF", "Bad file descriptor"),
            e(ECHILD, "ECHILD", "No child processes"),
            e(EAGAIN, "EAGAIN", "Resource temporarily unavailable"),
            e(ENOMEM, "ENOMEM", "Cannot allocate memory"),
            e(EACCES, "EACCES", "Permission denied"),
            e(EFAULT, "EFAULT", "Bad address"),
            e(ENOTBLK, "ENOTBLK", "Block device required"),
            e(EBUSY, "EBUSY", "Device or resource busy"),
            e(EEXIST, "EEXIST", "File exists"),
            e(EXDEV, "EXDEV", "Invalid cross-device link"),
            e(ENODEV, "ENODEV", "No such device"),
            e(ENOTDIR, "ENOTDIR", "Not a directory"),
            e(EISDIR, "EISDIR", "Is a directory"),
            e(EINVAL, "EINVAL", "Invalid argument"),
            e(ENFILE, "ENFILE", "Too many open files in system"),
            e(EMFILE, "EMFILE", "Too many open files"),
            e(ENOTTY, "ENOTTY", "Inappropriate ioctl for device"),
            e(ETXTBSY, "ETXTBSY", "Text file busy"),
            e(EFBIG, "EFBIG", "File too large"),
            e(ENOSPC, "ENOSPC", "No space left on device"),
            e(ESPIPE, "ESPIPE", "Illegal seek"),
            e(EROFS, "EROFS", "Read-only file system"),
            e(EMLINK, "EMLINK", "Too many links"),
            e(EPIPE, "EPIPE", "Broken pipe"),
            e(EDOM, "EDOM", "Numerical argument out of domain"),
            e(ERANGE, "ERANGE", "Numerical result out of range"),
            e(ENAMETOOLONG, "ENAMETOOLONG", "File name too long"),
            e(ENOSYS, "ENOSYS", "Function not implemented"),
            e(ENOTEMPTY, "ENOTEMPTY", "Directory not empty"),
            e(ELOOP, "ELOOP", "Too many levels of symbolic links"),
            e(ENODATA, "ENODATA", "No data available"),
            e(EPROTO, "EPROTO", "Protocol error"),
            e(EOVERFLOW, "EOVERFLOW", "Value too large for defined data type"),
            e(ESTALE, "ESTALE", "Stale file handle"),
            e(EOPNOTSUPP, "EOPNOTSUPP", "Operation not supported"),
            e(ETIMEDOUT, "ETIMEDOUT", "Connection timed out"));

    private static Map.Entry<Integer, Entry> e(int errno, String name, String description) {
        return Map.entry(errno, new Entry(name, description));
    }

    /** The symbolic name, e.g. {@code "EACCES"}; {@code "errno 123"} for values not in the table. */
    public static String name(int errno) {
        Entry entry = TABLE.get(errno);
        return entry != null ? entry.name() : "errno " + errno;
    }

    /** The strerror text, e.g. {@code "Permission denied"}; asks libc for values not in the table. */
    public static String description(int errno) {
        Entry entry = TABLE.get(errno);
        return entry != null ? entry.description() : Libc.strerror(errno);
    }

    /** {@code "EACCES (Permission denied)"}: the form used in every exception message. */
    public static String describe(int errno) {
        return name(errno) + " (" + description(errno) + ")";
    }

    private Errno() {}
}
