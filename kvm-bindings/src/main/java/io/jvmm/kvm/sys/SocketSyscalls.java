package io.jvmm.kvm.sys;

import static io.jvmm.kvm.sys.Libc.lastErrno;
import static io.jvmm.kvm.sys.Libc.syscall;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The Unix socket calls the VMM makes itself (a socket pair for passt, buffer sizes, shutdown, a descriptor
 * passed with SCM_RIGHTS, which the JDK's sockets cannot do); the rest of its sockets are the JDK's. They throw {@link NativeException} naming the call, as {@link Libc}'s do.
 */
public final class SocketSyscalls {
    public static final int AF_UNIX = 1, SOCK_STREAM = 1, SOCK_CLOEXEC = 0x80000, SHUT_RDWR = 2;
    public static final int SOL_SOCKET = 1, SO_SNDBUF = 7, SO_RCVBUF = 8, SO_SNDBUFFORCE = 32, SO_RCVBUFFORCE = 33;
    public static final int SCM_RIGHTS = 1;
    private static final long SYS_SOCKET = 41, SYS_CONNECT = 42, SYS_SENDMSG = 46, SYS_RECVMSG = 47, SYS_BIND = 49;
    private static final long SYS_LISTEN = 50, SYS_ACCEPT4 = 288;
    private static final long SYS_SHUTDOWN = 48, SYS_SOCKETPAIR = 53, SYS_SETSOCKOPT = 54, SYS_GETSOCKOPT = 55;
    /** sockaddr_un: sa_family, then sun_path[108], NUL-terminated. */
    private static final int SUN_PATH = 108, SOCKADDR_UN = 2 + SUN_PATH;
    /** struct msghdr on x86-64: name, namelen, iov, iovlen, control, controllen, flags. */
    private static final int MSGHDR = 56, MSG_IOV = 16, MSG_IOVLEN = 24, MSG_CONTROL = 32, MSG_CONTROLLEN = 40;
    /** One descriptor's control message: cmsg_len (CMSG_LEN(4) = 20), level, type, the fd; CMSG_SPACE(4) = 24. */
    private static final int CMSG_LEN_1 = 20, CMSG_SPACE_1 = 24, MSG_CTRUNC = 0x8, MSG_FLAGS = 48;

    /** A descriptor received with SCM_RIGHTS and the bytes that came with it. */
    public record ReceivedFd(int fd, byte[] data) {}

    /**
     * Connects to the Unix stream socket at {@code socket} and sends {@code fd} with {@code data}
     * (SCM_RIGHTS: the receiver gets its own descriptor for the same open file), as runc sends a
     * terminal's master to a console socket.
     */
    public static void sendFd(Path socket, int fd, byte[] data) {
        if (data.length == 0) throw new IllegalArgumentException("SCM_RIGHTS needs at least one byte of data");
        int s = unixSocket();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment addr = sockaddr(arena, socket);
            if (syscall(SYS_CONNECT, s, addr.address(), SOCKADDR_UN, 0, 0, 0) < 0)
                throw new NativeException("connect(" + socket + ")", lastErrno());
            MemorySegment buf = arena.allocateFrom(JAVA_BYTE, data);
            MemorySegment control = arena.allocate(CMSG_SPACE_1);
            control.set(JAVA_LONG, 0, CMSG_LEN_1);
            control.set(JAVA_INT, 8, SOL_SOCKET);
            control.set(JAVA_INT, 12, SCM_RIGHTS);
            control.set(JAVA_INT, 16, fd);
            MemorySegment msg = msghdr(arena, buf, control);
            if (syscall(SYS_SENDMSG, s, msg.address(), 0, 0, 0, 0) < 0)
                throw new NativeException("sendmsg(" + socket + ", SCM_RIGHTS)", lastErrno());
        } finally {
            Libc.close(s);
        }
    }

    /** A close-on-exec Unix stream socket bound to {@code path} and listening; the caller closes it. */
    public static int listen(Path path) {
        int s = unixSocket();
        try (Arena arena = Arena.ofConfined()) {
            if (syscall(SYS_BIND, s, sockaddr(arena, path).address(), SOCKADDR_UN, 0, 0, 0) < 0)
                throw new NativeException("bind(" + path + ")", lastErrno());
            if (syscall(SYS_LISTEN, s, 16, 0) < 0) throw new NativeException("listen(" + path + ")", lastErrno());
            return s;
        } catch (RuntimeException e) {
            Libc.close(s);
            throw e;
        }
    }

    /** Accepts one connection on the listening socket {@code fd}: a close-on-exec descriptor. */
    public static int accept(int fd) {
        long c = syscall(SYS_ACCEPT4, fd, 0, 0, SOCK_CLOEXEC, 0, 0);
        if (c < 0) throw new NativeException("accept4(" + fd + ")", lastErrno());
        return (int) c;
    }

    /** Receives one message carrying a descriptor (SCM_RIGHTS) on the connected socket {@code fd}. */
    public static ReceivedFd receiveFd(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            MemorySegment control = arena.allocate(CMSG_SPACE_1);
            MemorySegment msg = msghdr(arena, buf, control);
            long n = syscall(SYS_RECVMSG, fd, msg.address(), 0x40000000 /* MSG_CMSG_CLOEXEC */, 0, 0, 0);
            if (n < 0) throw new NativeException("recvmsg(" + fd + ")", lastErrno());
            if ((msg.get(JAVA_INT, MSG_FLAGS) & MSG_CTRUNC) != 0
                    || msg.get(JAVA_LONG, MSG_CONTROLLEN) < CMSG_LEN_1
                    || control.get(JAVA_INT, 8) != SOL_SOCKET
                    || control.get(JAVA_INT, 12) != SCM_RIGHTS)
                throw new NativeException("recvmsg(" + fd + ")", "no single descriptor in the message");
            byte[] data = buf.asSlice(0, n).toArray(JAVA_BYTE);
            return new ReceivedFd(control.get(JAVA_INT, 16), data);
        }
    }

    private static int unixSocket() {
        long s = syscall(SYS_SOCKET, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, 0, 0, 0);
        if (s < 0) throw new NativeException("socket(AF_UNIX)", lastErrno());
        return (int) s;
    }

    private static MemorySegment sockaddr(Arena arena, Path path) {
        byte[] p = path.toString().getBytes(StandardCharsets.UTF_8);
        if (p.length >= SUN_PATH)
            throw new NativeException(
                    "socket " + path,
                    "its path is " + p.length + " bytes; a Unix socket's is at most " + (SUN_PATH - 1));
        MemorySegment addr = arena.allocate(SOCKADDR_UN); // zeroed: sun_path is NUL-terminated
        addr.set(JAVA_SHORT, 0, (short) AF_UNIX);
        MemorySegment.copy(p, 0, addr, JAVA_BYTE, 2, p.length);
        return addr;
    }

    private static MemorySegment msghdr(Arena arena, MemorySegment data, MemorySegment control) {
        MemorySegment iov = arena.allocate(16);
        iov.set(JAVA_LONG, 0, data.address());
        iov.set(JAVA_LONG, 8, data.byteSize());
        MemorySegment msg = arena.allocate(MSGHDR);
        msg.set(JAVA_LONG, MSG_IOV, iov.address());
        msg.set(JAVA_LONG, MSG_IOVLEN, 1);
        msg.set(JAVA_LONG, MSG_CONTROL, control.address());
        msg.set(JAVA_LONG, MSG_CONTROLLEN, control.byteSize());
        return msg;
    }

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
