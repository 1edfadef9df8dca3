package io.jvmm.kvm.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

/**
 * The libc functions jvmm needs, as FFM downcalls: system calls through glibc's {@code syscall(2)},
 * a few glibc functions directly. Every handle captures errno into a segment owned by the calling
 * thread, so concurrent vCPU threads never see each other's errno.
 *
 * <p>Functions that have no "normal" failure throw {@link NativeException} naming the call.
 * {@link #ioctl} returns the raw result instead and leaves the errno in {@link #lastErrno()},
 * because the KVM layer turns it into a {@code KvmException} naming the ioctl, and KVM_RUN treats
 * EINTR as a normal outcome.
 */
public final class Libc {
    public static final int O_RDONLY = 0,
            O_WRONLY = 1,
            O_RDWR = 2,
            O_CREAT = 0x40,
            O_APPEND = 0x400,
            O_CLOEXEC = 0x80000,
            O_PATH = 0x200000;
    public static final int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    public static final int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20, MAP_NORESERVE = 0x4000;
    public static final int MADV_DONTNEED = 4, MADV_DONTFORK = 10, MADV_HUGEPAGE = 14;
    public static final int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800, EFD_SEMAPHORE = 1;
    public static final int SA_RESTART = 0x10000000;
    public static final int SIG_UNBLOCK = 1;
    public static final int SEEK_END = 2;
    public static final short POLLIN = 1;
    public static final int LOCK_SH = 1, LOCK_EX = 2, LOCK_NB = 4;
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int SIGKILL = 9, SIGPIPE = 13, SIGTERM = 15;
    public static final int FALLOC_FL_KEEP_SIZE = 0x01, FALLOC_FL_PUNCH_HOLE = 0x02, FALLOC_FL_ZERO_RANGE = 0x10;
    /** {@code struct iovec}: base pointer and length. */
    public static final StructLayout IOVEC = MemoryLayout.structLayout(
                    ADDRESS.withName("iov_base"), JAVA_LONG.withName("iov_len"))
            .withName("iovec");
    /** The kernel refuses more iovecs per call (UIO_MAXIOV). */
    public static final int IOV_MAX = 1024;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    // An offset rather than a VarHandle: creating the VarHandle costs ~3.5 ms in a fresh JVM.
    private static final long ERRNO_OFFSET = memberOffset(CAPTURE_LAYOUT, "errno");
    private static final Linker.Option ERRNO_OPTION = Linker.Option.captureCallState("errno");

    // One capture segment per thread: errno is per thread in C, and so it must be here.
    private static final ThreadLocal<MemorySegment> CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE_LAYOUT));

    /**
     * glibc's {@code struct sigaction} on x86-64: handler, 128-byte sigset_t, int flags (then 4
     * bytes of alignment padding), restorer. Not a kernel struct, so it lives here, not in struct.
     */
    public static final StructLayout SIGACTION = MemoryLayout.structLayout(
                    ADDRESS.withName("sa_handler"),
                    MemoryLayout.sequenceLayout(16, JAVA_LONG).withName("sa_mask"),
                    JAVA_INT.withName("sa_flags"),
                    MemoryLayout.paddingLayout(4),
                    ADDRESS.withName("sa_restorer"))
            .withName("sigaction");
    /** glibc's {@code sigset_t}: 1024 bits. */
    public static final long SIGSET_SIZE = 128;

    /*
     * Almost every call goes through one downcall, glibc's syscall(2), with all arguments as longs:
     * each distinct FunctionDescriptor costs its own stub and lambda forms, several milliseconds
     * apiece in a fresh JVM, and a VM boot would otherwise link nine of them. syscall() still sets
     * errno, which the handle captures. The methods below stay typed; only this file knows numbers.
     * Functions that are not system calls (sigaction needs glibc's restorer trampoline) or are
     * rarely used keep their own lazily linked handle.
     *
     * syscall() is declared variadic, but it is linked as a plain function of seven longs. On x86-64
     * (the only architecture jvmm's KVM code targets) the two calls differ in one register: a
     * variadic call also sets AL to the number of vector registers used, which the callee may read
     * to decide whether to spill them. glibc's syscall() is assembly that moves its integer
     * arguments into place and never reads AL (musl's, in C, would at most spill them needlessly);
     * with only integer arguments there are no promotions to apply either. Linking it variadic costs
     * ~8 ms more in a fresh JVM (measured on JDK 25 with an AOT cache: 15 vs 23 ms; the JDK binds
     * the AL value with a method-handle adaptation it spins classes for), on the boot's critical path.
     */
    private static final class syscall$ {
        static final MethodHandle mh = handle(
                "syscall",
                FunctionDescriptor.of(
                        JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    }
    // x86-64 system call numbers (asm/unistd_64.h)
    private static final long SYS_READ = 0,
            SYS_WRITE = 1,
            SYS_CLOSE = 3,
            SYS_MMAP = 9,
            SYS_MPROTECT = 10,
            SYS_MUNMAP = 11,
            SYS_RT_SIGPROCMASK = 14,
            SYS_IOCTL = 16,
            SYS_MADVISE = 28,
            SYS_GETPID = 39,
            SYS_GETTID = 186,
            SYS_TGKILL = 234,
            SYS_OPENAT = 257,
            SYS_EVENTFD2 = 290,
            SYS_LSEEK = 8,
            SYS_FLOCK = 73,
            SYS_FDATASYNC = 75,
            SYS_FALLOCATE = 285,
            SYS_PREADV = 295,
            SYS_PWRITEV = 296,
            SYS_POLL = 7,
            SYS_WRITEV = 20,
            SYS_FCNTL = 72,
            SYS_PIPE2 = 293;
    private static final long AT_FDCWD = -100;
    /** The kernel's sigset_t is 64 bits; glibc's larger one starts with it. */
    private static final long KERNEL_SIGSET_SIZE = 8;

    // int sigaction(int signum, const struct sigaction *act, struct sigaction *oldact); man 2 sigaction
    private static final class sigaction$ {
        static final MethodHandle mh = handle("sigaction", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    }
    // char *strerror(int errnum); man 3 strerror (only for errno values Errno does not know)
    private static final class strerror$ {
        static final MethodHandle mh =
                LINKER.downcallHandle(find("strerror"), FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    static long syscall(long nr, long a, long b, long c, long d, long e, long f) {
        try {
            return (long) syscall$.mh.invokeExact(state(), nr, a, b, c, d, e, f);
        } catch (Throwable t) {
            throw new AssertionError(t); // a downcall does not throw
        }
    }

    static long syscall(long nr, long a, long b, long c) {
        return syscall(nr, a, b, c, 0, 0, 0);
    }

    /**
     * The offset of a top-level struct member, summed by hand: byteOffset(PathElement) would
     * initialise the JDK's LayoutPath here, ~5 ms that NativePrelink runs on another thread while
     * this class links its downcall.
     */
    private static long memberOffset(StructLayout struct, String name) {
        long offset = 0;
        for (MemoryLayout m : struct.memberLayouts()) {
            if (m.name().filter(name::equals).isPresent()) return offset;
            offset += m.byteSize();
        }
        throw new IllegalStateException(struct + " has no member " + name);
    }

    private static MemorySegment find(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    /** A downcall to {@code name} that captures errno. */
    static MethodHandle handle(String name, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(find(name), descriptor, ERRNO_OPTION);
    }

    static MemorySegment state() {
        return CALL_STATE.get();
    }

    /** The errno captured by the calling thread's most recent call through this class. */
    public static int lastErrno() {
        return state().get(JAVA_INT, ERRNO_OFFSET);
    }

    /** Opens {@code path}; returns the fd. */
    public static int open(String path, int flags) {
        return open(path, flags, 0);
    }

    /** Opens {@code path}, creating it with {@code mode} (less the umask) when O_CREAT says so; returns the fd. */
    public static int open(String path, int flags, int mode) {
        long fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = syscall(SYS_OPENAT, AT_FDCWD, cString(arena, path).address(), flags, mode, 0, 0);
        }
        if (fd < 0) throw new NativeException("open(" + path + ")", lastErrno());
        return (int) fd;
    }

    /**
     * {@code s} as a NUL-terminated UTF-8 string. By hand rather than {@code allocateFrom(String)},
     * whose first use costs ~2 ms of method-handle set-up in a fresh JVM (measured on the boot path).
     */
    static MemorySegment cString(Arena arena, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            if (b == 0)
                throw new IllegalArgumentException("string for a C call contains NUL: " + s.replace("\0", "\\0"));
        }
        MemorySegment c = arena.allocate(bytes.length + 1L); // zeroed: the terminator is there
        MemorySegment.copy(bytes, 0, c, ValueLayout.JAVA_BYTE, 0, bytes.length);
        return c;
    }

    /** Closes {@code fd}. */
    public static void close(int fd) {
        if (syscall(SYS_CLOSE, fd, 0, 0) < 0) throw new NativeException("close(" + fd + ")", lastErrno());
    }

    /** {@code ioctl(fd, request, arg)} with a pointer; returns the raw result, errno in {@link #lastErrno()}. */
    public static int ioctl(int fd, long request, MemorySegment arg) {
        return (int) syscall(SYS_IOCTL, fd, request, arg.address());
    }

    /** {@code ioctl(fd, request, arg)} with an integer; returns the raw result, errno in {@link #lastErrno()}. */
    public static int ioctl(int fd, long request, long arg) {
        return (int) syscall(SYS_IOCTL, fd, request, arg);
    }

    /** Maps memory; returns a zero-length segment at the mapping's address (callers reinterpret it). */
    public static MemorySegment mmap(MemorySegment addr, long length, int prot, int flags, int fd, long offset) {
        long result = syscall(SYS_MMAP, addr.address(), length, prot, flags, fd, offset);
        if (result == -1L) { // MAP_FAILED
            throw new NativeException("mmap(length=" + length + ", fd=" + fd + ")", lastErrno());
        }
        return MemorySegment.ofAddress(result);
    }

    /** Unmaps {@code length} bytes at {@code addr}. */
    public static void munmap(MemorySegment addr, long length) {
        if (syscall(SYS_MUNMAP, addr.address(), length, 0) < 0) {
            throw new NativeException("munmap(length=" + length + ")", lastErrno());
        }
    }

    /** Changes the protection of {@code length} bytes at {@code addr}. */
    public static void mprotect(MemorySegment addr, long length, int prot) {
        if (syscall(SYS_MPROTECT, addr.address(), length, prot) < 0) {
            throw new NativeException("mprotect(length=" + length + ")", lastErrno());
        }
    }

    /** Gives the kernel advice about {@code length} bytes at {@code addr}. */
    public static void madvise(MemorySegment addr, long length, int advice) {
        if (syscall(SYS_MADVISE, addr.address(), length, advice) < 0) {
            throw new NativeException("madvise(advice=" + advice + ")", lastErrno());
        }
    }

    /** Creates an eventfd; returns its fd. */
    public static int eventfd(int initval, int flags) {
        long fd = syscall(SYS_EVENTFD2, initval, flags, 0);
        if (fd < 0) throw new NativeException("eventfd", lastErrno());
        return (int) fd;
    }

    /** The 8-byte increment 1 that {@link #eventfdAddOne} writes; read-only, so every thread shares it. */
    private static final class One {
        static final MemorySegment SEGMENT = Arena.global().allocate(JAVA_LONG);

        static {
            SEGMENT.set(JAVA_LONG, 0, 1L);
        }
    }

    /** Adds 1 to eventfd {@code fd}'s counter (wakes a reader, or KVM for an irqfd). */
    public static void eventfdAddOne(int fd) {
        write(fd, One.SEGMENT);
    }

    /** Reads up to {@code buf.byteSize()} bytes; returns the count read (0 at end of file). */
    public static long read(int fd, MemorySegment buf) {
        long n = syscall(SYS_READ, fd, buf.address(), buf.byteSize());
        if (n < 0) throw new NativeException("read(" + fd + ")", lastErrno());
        return n;
    }

    /** Writes {@code buf}; returns the count written. */
    public static long write(int fd, MemorySegment buf) {
        long n = syscall(SYS_WRITE, fd, buf.address(), buf.byteSize());
        if (n < 0) throw new NativeException("write(" + fd + ")", lastErrno());
        return n;
    }

    /**
     * {@code preadv(fd, iov, iovcnt, offset)}: reads into {@code iovcnt} {@link #IOVEC}s; returns the
     * count read, which may be short (end of file, signal).
     */
    public static long preadv(int fd, MemorySegment iov, int iovcnt, long offset) {
        // The raw system call splits the offset into low and high words; on x86-64 high is ignored.
        long n = syscall(SYS_PREADV, fd, iov.address(), iovcnt, offset, 0, 0);
        if (n < 0) throw new NativeException("preadv(" + fd + ")", lastErrno());
        return n;
    }

    /** {@code pwritev(fd, iov, iovcnt, offset)}; returns the count written, which may be short. */
    public static long pwritev(int fd, MemorySegment iov, int iovcnt, long offset) {
        long n = syscall(SYS_PWRITEV, fd, iov.address(), iovcnt, offset, 0, 0);
        if (n < 0) throw new NativeException("pwritev(" + fd + ")", lastErrno());
        return n;
    }

    /**
     * Waits up to {@code timeoutMillis} for {@code events} on one fd; returns the revents (0 on
     * timeout or EINTR).
     */
    public static int poll(int fd, short events, int timeoutMillis) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment pfd = arena.allocate(8);
            pfd.set(JAVA_INT, 0, fd);
            pfd.set(ValueLayout.JAVA_SHORT, 4, events);
            long n = syscall(SYS_POLL, pfd.address(), 1, timeoutMillis);
            if (n < 0) {
                if (lastErrno() == Errno.EINTR) return 0;
                throw new NativeException("poll(" + fd + ")", lastErrno());
            }
            return n == 0 ? 0 : pfd.get(ValueLayout.JAVA_SHORT, 6);
        }
    }

    /** Makes written data (and the metadata needed to read it) durable. */
    public static void fdatasync(int fd) {
        if (syscall(SYS_FDATASYNC, fd, 0, 0) < 0) throw new NativeException("fdatasync(" + fd + ")", lastErrno());
    }

    /** {@code fallocate(fd, mode, offset, len)}: FALLOC_FL_* space operations. */
    public static void fallocate(int fd, int mode, long offset, long len) {
        if (syscall(SYS_FALLOCATE, fd, mode, offset, len, 0, 0) < 0) {
            throw new NativeException("fallocate(" + fd + ", mode " + mode + ")", lastErrno());
        }
    }

    /** {@code flock(fd, operation)}: LOCK_SH or LOCK_EX, optionally with LOCK_NB. */
    public static void flock(int fd, int operation) {
        if (syscall(SYS_FLOCK, fd, operation, 0) < 0) throw new NativeException("flock(" + fd + ")", lastErrno());
    }

    /** {@code lseek(fd, offset, whence)}; returns the new offset (SEEK_END with 0: the size). */
    public static long lseek(int fd, long offset, int whence) {
        long r = syscall(SYS_LSEEK, fd, offset, whence);
        if (r < 0) throw new NativeException("lseek(" + fd + ")", lastErrno());
        return r;
    }

    /** The process id. */
    public static int getpid() {
        return (int) syscall(SYS_GETPID, 0, 0, 0);
    }

    /** The calling thread's kernel thread id. */
    public static int gettid() {
        return (int) syscall(SYS_GETTID, 0, 0, 0);
    }

    /** Sends {@code signal} to thread {@code tid} of this process. */
    public static void tgkill(int tid, int signal) {
        if (syscall(SYS_TGKILL, getpid(), tid, signal) < 0) {
            throw new NativeException("tgkill(" + tid + ", signal " + signal + ")", lastErrno());
        }
    }

    /** {@code sigprocmask(how, set, oldset)} for the calling thread (glibc's sigset_t); either set may be NULL. */
    public static void sigprocmask(int how, MemorySegment set, MemorySegment oldset) {
        if (syscall(SYS_RT_SIGPROCMASK, how, set.address(), oldset.address(), KERNEL_SIGSET_SIZE, 0, 0) < 0) {
            throw new NativeException("rt_sigprocmask", lastErrno());
        }
    }

    /** {@code sigaction(signal, act, oldact)}; either struct ({@link #SIGACTION}) may be NULL. */
    public static void sigaction(int signal, MemorySegment act, MemorySegment oldact) {
        int rc;
        try {
            rc = (int) sigaction$.mh.invokeExact(state(), signal, act, oldact);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc < 0) throw new NativeException("sigaction(" + signal + ")", lastErrno());
    }

    /** {@code writev(fd, iov, iovcnt)} on a stream; returns the count written, which may be short. */
    public static long writev(int fd, MemorySegment iov, int iovcnt) {
        long n = syscall(SYS_WRITEV, fd, iov.address(), iovcnt);
        if (n < 0) throw new NativeException("writev(" + fd + ")", lastErrno());
        return n;
    }

    /** A close-on-exec pipe: {@code [read end, write end]}. */
    public static int[] pipe() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds = arena.allocate(JAVA_INT, 2);
            if (syscall(SYS_PIPE2, fds.address(), O_CLOEXEC, 0) < 0) throw new NativeException("pipe2", lastErrno());
            return new int[] {fds.get(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
        }
    }

    /** {@code fcntl(fd, F_DUPFD_CLOEXEC, min)}: a close-on-exec copy of {@code fd} numbered {@code min} or more. */
    public static int dupAtLeast(int fd, int min) {
        long r = syscall(SYS_FCNTL, fd, F_DUPFD_CLOEXEC, min);
        if (r < 0) throw new NativeException("fcntl(" + fd + ", F_DUPFD_CLOEXEC)", lastErrno());
        return (int) r;
    }

    /** libc's text for {@code errno}. */
    public static String strerror(int errno) {
        MemorySegment text;
        try {
            text = (MemorySegment) strerror$.mh.invokeExact(errno);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return text.equals(MemorySegment.NULL)
                ? "Unknown error " + errno
                : text.reinterpret(256).getString(0);
    }

    private Libc() {}
}
