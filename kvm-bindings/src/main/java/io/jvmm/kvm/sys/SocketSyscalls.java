package io.jvmm.kvm.sys;

import static io.jvmm.kvm.sys.Libc.lastErrno;
import static io.jvmm.kvm.sys.Libc.syscall;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The Unix socket calls the VMM makes itself (a socket pair for passt, buffer sizes, shutdown); the
 * rest of its sockets are the JDK's. They throw {@link NativeException} naming the call, as {@link Libc}'s do.
 */
public final class SocketSyscalls {
    public static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000, SHUT_RDWR = 2;
    public static final int SOL_SOCKET = 1, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33;
    private static final long SYS_SHUTDOWN = 48, SYS_SOCKETPAIR = 53, SYS_SETSOCKOPT = 54, SYS_GETSOCKOPT = 55;

    /** A connected pair of close-on-exec Unix stream sockets: {@code socketpair(AF_UNIX, SOCK_STREAM)}. */
    public static int[] socketpair() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sv = arena.allocate(JAVA_INT, 2);
            if (syscall(SYS_SOCKETPAIR, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv.address(), 0, 0) < 0) {
                throw new NativeException("socketpair(AF_UNIX)", lastErrno());
            }
            return new int[] {sv.get(JAVA_INT, 0), sv.getAtIndex(JAVA_INT, 1)};
        }
    }

    /** {@code setsockopt(fd, level, option, &value, 4)} for an int option; false when refused with EPERM. */
    public static boolean setsockopt(int fd, int level, int option, int value) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            v.set(JAVA_INT, 0, value);
            if (syscall(SYS_SETSOCKOPT, fd, level, option, v.address(), 4, 0) == 0) return true;
            if (lastErrno() == Errno.EPERM) return false;
            throw new NativeException("setsockopt(" + fd + ", " + level + ", " + option + ")", lastErrno());
        }
    }

    /** {@code getsockopt(fd, level, option)} for an int option. */
    public static int getsockopt(int fd, int level, int option) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment v = arena.allocate(JAVA_INT);
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 4);
            if (syscall(SYS_GETSOCKOPT, fd, level, option, v.address(), len.address(), 0) < 0) {
                throw new NativeException("getsockopt(" + fd + ", " + level + ", " + option + ")", lastErrno());
            }
            return v.get(JAVA_INT, 0);
        }
    }

    /** {@code shutdown(fd, how)}: a reader blocked on the socket wakes with end of file. */
    public static void shutdown(int fd, int how) {
        if (syscall(SYS_SHUTDOWN, fd, how, 0) < 0) throw new NativeException("shutdown(" + fd + ")", lastErrno());
    }

    private SocketSyscalls() {}
}
