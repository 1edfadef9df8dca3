package io.jvmm.kvm.sys;

import static io.jvmm.kvm.sys.Libc.handle;
import static io.jvmm.kvm.sys.Libc.lastErrno;
import static io.jvmm.kvm.sys.Libc.state;
import static io.jvmm.kvm.sys.Libc.syscall;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The calls about processes: pidfds (a handle on one child that no later process with its pid can be
 * mistaken for), reaping, the process's ids and umask, and dropping privileges for good. They throw
 * {@link NativeException} naming the call, as {@link Libc}'s do.
 */
public final class ProcessSyscalls {
    private static final long SYS_UMASK = 95,
            SYS_GETEUID = 107,
            SYS_GETEGID = 108,
            SYS_WAITID = 247,
            SYS_SETNS = 308,
            SYS_PIDFD_SEND_SIGNAL = 424,
            SYS_PIDFD_OPEN = 434;
    private static final int P_PIDFD = 3, WEXITED = 4, WNOHANG = 1;
    private static final int CLD_EXITED = 1;
    /** setns(2)'s type for a network namespace. */
    public static final int CLONE_NEWNET = 0x40000000;

    // int setgroups(size_t, const gid_t *); int setresgid/setresuid(id, id, id); man 2 setresuid. glibc's
    // wrappers apply the change to every thread of the process; the raw system calls would not.
    private static final class setgroups$ {
        static final MethodHandle mh = handle("setgroups", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS));
    }

    private static final class setresgid$ {
        static final MethodHandle mh =
                handle("setresgid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    private static final class setresuid$ {
        static final MethodHandle mh =
                handle("setresuid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    }

    /** {@code pidfd_open(pid, 0)} (Linux 5.3): an fd that refers to that process and no later one with its pid. */
    public static int pidfdOpen(long pid) {
        long fd = syscall(SYS_PIDFD_OPEN, pid, 0, 0);
        if (fd < 0) throw new NativeException("pidfd_open(" + pid + ")", lastErrno());
        return (int) fd;
    }

    /** {@code pidfd_send_signal(pidfd, signal)}; false when the process has already exited (ESRCH). */
    public static boolean pidfdSendSignal(int pidfd, int signal) {
        if (syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0, 0, 0) == 0) return true;
        if (lastErrno() == Errno.ESRCH) return false;
        throw new NativeException("pidfd_send_signal(signal " + signal + ")", lastErrno());
    }

    /**
     * Reaps the exited child behind {@code pidfd}: {@code waitid(P_PIDFD, pidfd, WEXITED | WNOHANG)}
     * (Linux 5.4). Returns its exit status, 128 + the signal that killed it, or -1 while it runs.
     */
    public static int waitPidfd(int pidfd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(128); // siginfo_t; zeroed, so si_pid 0 means "still running"
            for (; ; ) {
                if (syscall(SYS_WAITID, P_PIDFD, pidfd, info.address(), WEXITED | WNOHANG, 0, 0) == 0) break;
                if (lastErrno() != Errno.EINTR) throw new NativeException("waitid(P_PIDFD)", lastErrno());
            }
            if (info.get(JAVA_INT, 16) == 0) return -1; // si_pid
            int code = info.get(JAVA_INT, 8), status = info.get(JAVA_INT, 24); // si_code, si_status
            return code == CLD_EXITED ? status : 128 + status;
        }
    }

    /** {@code umask(mask)} for the whole process; returns the previous mask. */
    public static int umask(int mask) {
        return (int) syscall(SYS_UMASK, mask, 0, 0);
    }

    /**
     * {@code setns(fd, nstype)}: the calling thread (only it, for a network namespace) enters the
     * namespace {@code fd} refers to.
     */
    public static void setns(int fd, int nstype) {
        if (syscall(SYS_SETNS, fd, nstype, 0) != 0) throw new NativeException("setns", lastErrno());
    }

    /** The effective user id. */
    public static int geteuid() {
        return (int) syscall(SYS_GETEUID, 0, 0, 0);
    }

    /** The effective group id. */
    public static int getegid() {
        return (int) syscall(SYS_GETEGID, 0, 0, 0);
    }

    /**
     * Becomes {@code uid}:{@code gid} with no supplementary groups, for every thread and for good (real,
     * effective and saved ids alike); groups first, while the process still may change them.
     */
    public static void dropPrivileges(int uid, int gid) {
        try {
            if ((int) setgroups$.mh.invokeExact(state(), 0L, MemorySegment.NULL) != 0)
                throw new NativeException("setgroups(0)", lastErrno());
            if ((int) setresgid$.mh.invokeExact(state(), gid, gid, gid) != 0)
                throw new NativeException("setresgid(" + gid + ")", lastErrno());
            if ((int) setresuid$.mh.invokeExact(state(), uid, uid, uid) != 0)
                throw new NativeException("setresuid(" + uid + ")", lastErrno());
        } catch (NativeException e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t); // a downcall does not throw
        }
    }

    private ProcessSyscalls() {}
}
