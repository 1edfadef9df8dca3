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
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc functions jvmm needs, as FFM downcalls. Every handle captures errno into a segment
 * owned by the calling thread, so concurrent vCPU threads never see each other's errno.
 *
 * <p>Functions that have no "normal" failure throw {@link NativeException} naming the call.
 * {@link #ioctl} returns the raw result instead and leaves the errno in {@link #lastErrno()},
 * because the KVM layer turns it into a {@code KvmException} naming the ioctl, and KVM_RUN treats
 * EINTR as a normal outcome.
 */
public final class Libc {
    public static final int O_RDONLY = 0, O_RDWR = 2, O_CLOEXEC = 0x80000;
    public static final int PROT_NONE = 0, PROT_READ = 1, PROT_WRITE = 2, PROT_EXEC = 4;
    public static final int MAP_SHARED = 0x01, MAP_PRIVATE = 0x02, MAP_ANONYMOUS = 0x20,
            MAP_NORESERVE = 0x4000;
    public static final int MADV_DONTNEED = 4, MADV_DONTFORK = 10, MADV_HUGEPAGE = 14;
    public static final int EFD_CLOEXEC = 0x80000, EFD_NONBLOCK = 0x800, EFD_SEMAPHORE = 1;
    public static final int SA_RESTART = 0x10000000;
    public static final int SIG_UNBLOCK = 1;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(MemoryLayout.PathElement.groupElement("errno"));
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
            ADDRESS.withName("sa_restorer")).withName("sigaction");
    /** glibc's {@code sigset_t}: 1024 bits. */
    public static final long SIGSET_SIZE = 128;

    // Each handle lives in its own holder class so it is linked on first use: linking a downcall
    // costs milliseconds at start-up, and a VM boot needs fewer than half of them.
    // int open(const char *path, int flags, ...); man 2 open
    private static final class open$ { static final MethodHandle mh = handle("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2)); }
    // int close(int fd); man 2 close
    private static final class close$ { static final MethodHandle mh = handle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT)); }
    // int ioctl(int fd, unsigned long request, ...); man 2 ioctl. Never "critical": KVM_RUN blocks.
    private static final class ioctlPtr$ { static final MethodHandle mh = handle("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2)); }
    private static final class ioctlLong$ { static final MethodHandle mh = handle("ioctl",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(2)); }
    // void *mmap(void *addr, size_t length, int prot, int flags, int fd, off_t offset); man 2 mmap
    private static final class mmap$ { static final MethodHandle mh = handle("mmap",
            FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG)); }
    // int munmap(void *addr, size_t length); man 2 munmap
    private static final class munmap$ { static final MethodHandle mh = handle("munmap",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG)); }
    // int mprotect(void *addr, size_t len, int prot); man 2 mprotect
    private static final class mprotect$ { static final MethodHandle mh = handle("mprotect",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT)); }
    // int madvise(void *addr, size_t length, int advice); man 2 madvise
    private static final class madvise$ { static final MethodHandle mh = handle("madvise",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT)); }
    // int eventfd(unsigned int initval, int flags); man 2 eventfd
    private static final class eventfd$ { static final MethodHandle mh = handle("eventfd",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT)); }
    // ssize_t read(int fd, void *buf, size_t count); man 2 read
    private static final class read$ { static final MethodHandle mh = handle("read",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG)); }
    // ssize_t write(int fd, const void *buf, size_t count); man 2 write
    private static final class write$ { static final MethodHandle mh = handle("write",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG)); }
    // pthread_t pthread_self(void); man 3 pthread_self (pthread_t is unsigned long on glibc)
    private static final class pthread_self$ { static final MethodHandle mh = LINKER.downcallHandle(find("pthread_self"),
            FunctionDescriptor.of(JAVA_LONG)); }
    // int pthread_kill(pthread_t thread, int sig); returns the error, does not set errno
    private static final class pthread_kill$ { static final MethodHandle mh = LINKER.downcallHandle(find("pthread_kill"),
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT)); }
    // int pthread_sigmask(int how, const sigset_t *set, sigset_t *oldset); returns the error
    private static final class pthread_sigmask$ { static final MethodHandle mh = LINKER.downcallHandle(find("pthread_sigmask"),
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS)); }
    // int sigaction(int signum, const struct sigaction *act, struct sigaction *oldact); man 2 sigaction
    private static final class sigaction$ { static final MethodHandle mh = handle("sigaction",
            FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS)); }
    // int __libc_current_sigrtmin(void): glibc reserves the first RT signals for itself
    private static final class sigrtmin$ { static final MethodHandle mh = LINKER.downcallHandle(find("__libc_current_sigrtmin"),
            FunctionDescriptor.of(JAVA_INT)); }
    // pid_t getpid(void); man 2 getpid
    private static final class getpid$ { static final MethodHandle mh = LINKER.downcallHandle(find("getpid"),
            FunctionDescriptor.of(JAVA_INT)); }
    // char *strerror(int errnum); man 3 strerror (only for errno values Errno does not know)
    private static final class strerror$ { static final MethodHandle mh = LINKER.downcallHandle(find("strerror"),
            FunctionDescriptor.of(ADDRESS, JAVA_INT)); }

    private static MemorySegment find(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    private static MethodHandle handle(String name, FunctionDescriptor descriptor, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = ERRNO_OPTION;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(find(name), descriptor, options);
    }

    private static MemorySegment state() { return CALL_STATE.get(); }

    /** The errno captured by the calling thread's most recent call through this class. */
    public static int lastErrno() { return (int) ERRNO.get(state(), 0L); }

    /** Opens {@code path}; returns the fd. */
    public static int open(String path, int flags) {
        int fd;
        try (Arena arena = Arena.ofConfined()) {
            fd = (int) open$.mh.invokeExact(state(), arena.allocateFrom(path), flags, 0);
        } catch (Throwable t) {
            throw new AssertionError(t); // a downcall does not throw
        }
        if (fd < 0) throw new NativeException("open(" + path + ")", lastErrno());
        return fd;
    }

    /** Closes {@code fd}. */
    public static void close(int fd) {
        int rc;
        try {
            rc = (int) close$.mh.invokeExact(state(), fd);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc < 0) throw new NativeException("close(" + fd + ")", lastErrno());
    }

    /** {@code ioctl(fd, request, arg)} with a pointer; returns the raw result, errno in {@link #lastErrno()}. */
    public static int ioctl(int fd, long request, MemorySegment arg) {
        try {
            return (int) ioctlPtr$.mh.invokeExact(state(), fd, request, arg);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** {@code ioctl(fd, request, arg)} with an integer; returns the raw result, errno in {@link #lastErrno()}. */
    public static int ioctl(int fd, long request, long arg) {
        try {
            return (int) ioctlLong$.mh.invokeExact(state(), fd, request, arg);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Maps memory; returns a zero-length segment at the mapping's address (callers reinterpret it). */
    public static MemorySegment mmap(MemorySegment addr, long length, int prot, int flags, int fd, long offset) {
        MemorySegment result;
        try {
            result = (MemorySegment) mmap$.mh.invokeExact(state(), addr, length, prot, flags, fd, offset);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (result.address() == -1L) { // MAP_FAILED
            throw new NativeException("mmap(length=" + length + ", fd=" + fd + ")", lastErrno());
        }
        return result;
    }

    /** Unmaps {@code length} bytes at {@code addr}. */
    public static void munmap(MemorySegment addr, long length) {
        int rc;
        try {
            rc = (int) munmap$.mh.invokeExact(state(), addr, length);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc < 0) throw new NativeException("munmap(length=" + length + ")", lastErrno());
    }

    /** Changes the protection of {@code length} bytes at {@code addr}. */
    public static void mprotect(MemorySegment addr, long length, int prot) {
        int rc;
        try {
            rc = (int) mprotect$.mh.invokeExact(state(), addr, length, prot);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc < 0) throw new NativeException("mprotect(length=" + length + ")", lastErrno());
    }

    /** Gives the kernel advice about {@code length} bytes at {@code addr}. */
    public static void madvise(MemorySegment addr, long length, int advice) {
        int rc;
        try {
            rc = (int) madvise$.mh.invokeExact(state(), addr, length, advice);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (rc < 0) throw new NativeException("madvise(advice=" + advice + ")", lastErrno());
    }

    /** Creates an eventfd; returns its fd. */
    public static int eventfd(int initval, int flags) {
        int fd;
        try {
            fd = (int) eventfd$.mh.invokeExact(state(), initval, flags);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (fd < 0) throw new NativeException("eventfd", lastErrno());
        return fd;
    }

    /** Reads up to {@code buf.byteSize()} bytes; returns the count read (0 at end of file). */
    public static long read(int fd, MemorySegment buf) {
        long n;
        try {
            n = (long) read$.mh.invokeExact(state(), fd, buf, buf.byteSize());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (n < 0) throw new NativeException("read(" + fd + ")", lastErrno());
        return n;
    }

    /** Writes {@code buf}; returns the count written. */
    public static long write(int fd, MemorySegment buf) {
        long n;
        try {
            n = (long) write$.mh.invokeExact(state(), fd, buf, buf.byteSize());
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (n < 0) throw new NativeException("write(" + fd + ")", lastErrno());
        return n;
    }

    /** The calling thread's pthread handle. */
    public static long pthreadSelf() {
        try {
            return (long) pthread_self$.mh.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** Sends {@code signal} to {@code thread}, a value from {@link #pthreadSelf()} of a live thread. */
    public static void pthreadKill(long thread, int signal) {
        int err;
        try {
            err = (int) pthread_kill$.mh.invokeExact(thread, signal);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (err != 0) throw new NativeException("pthread_kill(signal " + signal + ")", err);
    }

    /** {@code pthread_sigmask(how, set, oldset)} for the calling thread; either set may be NULL. */
    public static void pthreadSigmask(int how, MemorySegment set, MemorySegment oldset) {
        int err;
        try {
            err = (int) pthread_sigmask$.mh.invokeExact(how, set, oldset);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        if (err != 0) throw new NativeException("pthread_sigmask", err);
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

    /** The first real-time signal glibc leaves to applications (SIGRTMIN). */
    public static int sigrtmin() {
        try {
            return (int) sigrtmin$.mh.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** The process id. */
    public static int getpid() {
        try {
            return (int) getpid$.mh.invokeExact();
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
    }

    /** libc's text for {@code errno}. */
    public static String strerror(int errno) {
        MemorySegment text;
        try {
            text = (MemorySegment) strerror$.mh.invokeExact(errno);
        } catch (Throwable t) {
            throw new AssertionError(t);
        }
        return text.equals(MemorySegment.NULL) ? "Unknown error " + errno : text.reinterpret(256).getString(0);
    }

    private Libc() {}
}
