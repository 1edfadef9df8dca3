package io.jvmm.kvm.sys;

import static java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Landlock (Linux 5.13+, linux/landlock.h): an unprivileged process restricts its own access to the
 * filesystem, TCP ports and signals. A ruleset names the access rights it handles; every handled
 * right is then denied except beneath the paths a rule grants it for. Restriction applies to the
 * calling thread and to what it later creates (threads, children across exec); it cannot be undone.
 * The ABI version says which rights the kernel knows: asking to handle an unknown one is EINVAL.
 */
public final class Landlock {
    // Filesystem rights (LANDLOCK_ACCESS_FS_*): ABI 1 knows EXECUTE..MAKE_SYM.
    public static final long EXECUTE = 1L,
            WRITE_FILE = 1L << 1,
            READ_FILE = 1L << 2,
            READ_DIR = 1L << 3,
            REMOVE_DIR = 1L << 4,
            REMOVE_FILE = 1L << 5,
            MAKE_CHAR = 1L << 6,
            MAKE_DIR = 1L << 7,
            MAKE_REG = 1L << 8,
            MAKE_SOCK = 1L << 9,
            MAKE_FIFO = 1L << 10,
            MAKE_BLOCK = 1L << 11,
            MAKE_SYM = 1L << 12;
    /** ABI 2: linking or renaming a file into another directory. */
    public static final long REFER = 1L << 13;
    /** ABI 3: truncate(2), ftruncate(2) and O_TRUNC. */
    public static final long TRUNCATE = 1L << 14;
    /** ABI 5: ioctl(2) on character and block devices. */
    public static final long IOCTL_DEV = 1L << 15;
    // Network rights (ABI 4) and scopes (ABI 6).
    public static final long NET_BIND_TCP = 1L, NET_CONNECT_TCP = 1L << 1;
    public static final long SCOPE_ABSTRACT_UNIX_SOCKET = 1L, SCOPE_SIGNAL = 1L << 1;
    private static final long SYS_LANDLOCK_CREATE_RULESET = 444,
            SYS_LANDLOCK_ADD_RULE = 445,
            SYS_LANDLOCK_RESTRICT_SELF = 446;
    private static final long CREATE_RULESET_VERSION = 1;
    private static final long RULE_PATH_BENEATH = 1;

    private Landlock() {}

    /** The kernel's Landlock ABI version, or 0 when Landlock is not built in or not enabled. */
    public static int abi() {
        long v = Libc.syscall(SYS_LANDLOCK_CREATE_RULESET, 0, 0, CREATE_RULESET_VERSION);
        if (v >= 0) return (int) v;
        int errno = Libc.lastErrno();
        if (errno == Errno.ENOSYS || errno == Errno.EOPNOTSUPP) return 0;
        throw new NativeException("landlock_create_ruleset(VERSION)", errno);
    }

    /** Every filesystem right the kernel of ABI {@code abi} knows. */
    public static long filesystemRights(int abi) {
        long all = (MAKE_SYM << 1) - 1;
        if (abi >= 2) all |= REFER;
        if (abi >= 3) all |= TRUNCATE;
        if (abi >= 5) all |= IOCTL_DEV;
        return abi >= 1 ? all : 0;
    }

    /**
     * A new ruleset handling {@code fs} rights, {@code net} rights (ABI 4; 0 before) and {@code scoped}
     * restrictions (ABI 6; 0 before); returns its fd, which the caller closes.
     */
    public static int createRuleset(long fs, long net, long scoped) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = arena.allocate(24, 8);
            attr.set(JAVA_LONG, 0, fs);
            attr.set(JAVA_LONG, 8, net);
            attr.set(JAVA_LONG, 16, scoped);
            // Older kernels refuse a larger struct with non-zero tail, so pass only what is used.
            long size = scoped != 0 ? 24 : net != 0 ? 16 : 8;
            long fd = Libc.syscall(SYS_LANDLOCK_CREATE_RULESET, attr.address(), size, 0);
            if (fd < 0) throw new NativeException("landlock_create_ruleset", Libc.lastErrno());
            return (int) fd;
        }
    }

    /** Grants {@code rights} beneath the file or directory open as {@code pathFd} (O_PATH is enough). */
    public static void allowBeneath(int ruleset, int pathFd, long rights, String pathForErrors) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment rule = arena.allocate(12, 8); // struct landlock_path_beneath_attr is packed
            rule.set(JAVA_LONG_UNALIGNED, 0, rights);
            rule.set(JAVA_INT_UNALIGNED, 8, pathFd);
            if (Libc.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, RULE_PATH_BENEATH, rule.address(), 0, 0, 0) < 0) {
                throw new NativeException("landlock_add_rule(" + pathForErrors + ")", Libc.lastErrno());
            }
        }
    }

    /** Restricts the calling thread (and what it creates from now on) to {@code ruleset}; needs no_new_privs or CAP_SYS_ADMIN. */
    public static void restrictSelf(int ruleset) {
        if (Libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0, 0) < 0) {
            throw new NativeException("landlock_restrict_self", Libc.lastErrno());
        }
    }
}
