package io.jvmm.fuse;

/**
 * The FUSE kernel ABI (include/uapi/linux/fuse.h) as this server speaks it: protocol 7.31 to 7.37
 * (Linux 6.1 sends 7.37), whose request and reply structs are the same. Sizes are of the structs
 * after {@code fuse_in_header}; every multi-byte field is little-endian on x86-64.
 */
final class FuseAbi {
    static final int KERNEL_VERSION = 7;
    /** The newest minor this server knows; it answers min(kernel's, this). */
    static final int MINOR = 37;
    /** The oldest minor accepted: fuse_attr has its final size and RENAME2/LSEEK/COPY_FILE_RANGE exist. */
    static final int MIN_MINOR = 31;

    static final long ROOT_ID = 1;

    // enum fuse_opcode
    static final int LOOKUP = 1,
            FORGET = 2,
            GETATTR = 3,
            SETATTR = 4,
            READLINK = 5,
            SYMLINK = 6,
            MKNOD = 8,
            MKDIR = 9,
            UNLINK = 10,
            RMDIR = 11,
            RENAME = 12,
            LINK = 13,
            OPEN = 14,
            READ = 15,
            WRITE = 16,
            STATFS = 17,
            RELEASE = 18,
            FSYNC = 20,
            SETXATTR = 21,
            GETXATTR = 22,
            LISTXATTR = 23,
            REMOVEXATTR = 24,
            FLUSH = 25,
            INIT = 26,
            OPENDIR = 27,
            READDIR = 28,
            RELEASEDIR = 29,
            FSYNCDIR = 30,
            GETLK = 31,
            SETLK = 32,
            SETLKW = 33,
            ACCESS = 34,
            CREATE = 35,
            INTERRUPT = 36,
            BMAP = 37,
            DESTROY = 38,
            IOCTL = 39,
            POLL = 40,
            NOTIFY_REPLY = 41,
            BATCH_FORGET = 42,
            FALLOCATE = 43,
            READDIRPLUS = 44,
            RENAME2 = 45,
            LSEEK = 46,
            COPY_FILE_RANGE = 47,
            SETUPMAPPING = 48,
            REMOVEMAPPING = 49,
            SYNCFS = 50,
            TMPFILE = 51,
            STATX = 52;

    // INIT flags (fuse_init_in.flags / fuse_init_out.flags)
    static final int ASYNC_READ = 1,
            BIG_WRITES = 1 << 5,
            DO_READDIRPLUS = 1 << 13,
            READDIRPLUS_AUTO = 1 << 14,
            PARALLEL_DIROPS = 1 << 18,
            MAX_PAGES = 1 << 22,
            CACHE_SYMLINKS = 1 << 23,
            HANDLE_KILLPRIV_V2 = 1 << 28;

    // fuse_setattr_in.valid
    static final int FATTR_MODE = 1,
            FATTR_UID = 1 << 1,
            FATTR_GID = 1 << 2,
            FATTR_SIZE = 1 << 3,
            FATTR_ATIME = 1 << 4,
            FATTR_MTIME = 1 << 5,
            FATTR_FH = 1 << 6,
            FATTR_ATIME_NOW = 1 << 7,
            FATTR_MTIME_NOW = 1 << 8,
            FATTR_LOCKOWNER = 1 << 9,
            FATTR_CTIME = 1 << 10,
            FATTR_KILL_SUIDGID = 1 << 11;

    // fuse_open_out.open_flags
    static final int FOPEN_DIRECT_IO = 1, FOPEN_KEEP_CACHE = 1 << 1, FOPEN_CACHE_DIR = 1 << 3;
    /** fuse_open_in.open_flags, fuse_write_in.write_flags: kill suid/sgid (HANDLE_KILLPRIV_V2). */
    static final int OPEN_KILL_SUIDGID = 1, WRITE_KILL_SUIDGID = 1 << 2;

    static final int GETATTR_FH = 1;
    static final int FSYNC_FDATASYNC = 1;

    static final int IN_HEADER = 40, OUT_HEADER = 16;
    static final int ATTR = 88,
            ENTRY_OUT = 40 + ATTR,
            ATTR_OUT = 16 + ATTR,
            OPEN_OUT = 16,
            WRITE_OUT = 8,
            STATFS_OUT = 80,
            INIT_OUT = 64,
            GETXATTR_OUT = 8,
            LSEEK_OUT = 8;
    static final int DIRENT = 24;

    /** Names and link targets the server accepts (NAME_MAX, PATH_MAX less the terminator). */
    static final int NAME_MAX = 255, PATH_MAX = 4095;
    /** The largest WRITE (and READ) the server announces: 256 pages. */
    static final int MAX_WRITE = 1 << 20, MAX_PAGES_VALUE = 256;
    /** xattr values and lists the kernel allows (XATTR_SIZE_MAX, XATTR_LIST_MAX). */
    static final int XATTR_SIZE_MAX = 65536;

    /** A readable name for an opcode, for logs. */
    static String name(int opcode) {
        return switch (opcode) {
            case LOOKUP -> "LOOKUP";
            case FORGET -> "FORGET";
            case GETATTR -> "GETATTR";
            case SETATTR -> "SETATTR";
            case READLINK -> "READLINK";
            case SYMLINK -> "SYMLINK";
            case MKNOD -> "MKNOD";
            case MKDIR -> "MKDIR";
            case UNLINK -> "UNLINK";
            case RMDIR -> "RMDIR";
            case RENAME -> "RENAME";
            case LINK -> "LINK";
            case OPEN -> "OPEN";
            case READ -> "READ";
            case WRITE -> "WRITE";
            case STATFS -> "STATFS";
            case RELEASE -> "RELEASE";
            case FSYNC -> "FSYNC";
            case SETXATTR -> "SETXATTR";
            case GETXATTR -> "GETXATTR";
            case LISTXATTR -> "LISTXATTR";
            case REMOVEXATTR -> "REMOVEXATTR";
            case FLUSH -> "FLUSH";
            case INIT -> "INIT";
            case OPENDIR -> "OPENDIR";
            case READDIR -> "READDIR";
            case RELEASEDIR -> "RELEASEDIR";
            case FSYNCDIR -> "FSYNCDIR";
            case ACCESS -> "ACCESS";
            case CREATE -> "CREATE";
            case INTERRUPT -> "INTERRUPT";
            case DESTROY -> "DESTROY";
            case BATCH_FORGET -> "BATCH_FORGET";
            case FALLOCATE -> "FALLOCATE";
            case READDIRPLUS -> "READDIRPLUS";
            case RENAME2 -> "RENAME2";
            case LSEEK -> "LSEEK";
            case COPY_FILE_RANGE -> "COPY_FILE_RANGE";
            default -> "opcode " + opcode;
        };
    }

    private FuseAbi() {}
}
