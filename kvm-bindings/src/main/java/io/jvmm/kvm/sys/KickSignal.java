package io.jvmm.kvm.sys;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The real-time signal used to knock a vCPU thread out of a blocking KVM_RUN.
 *
 * <p>KVM_RUN only returns early for a signal that has a handler: an ignored signal is discarded
 * before it becomes pending, and the default action for RT signals kills the process. jvmm may not
 * load a native library, so the handler is one {@code ret} instruction (0xC3) written into an
 * anonymous page that is then made read+exec. glibc's {@code sigaction} supplies the SA_RESTORER
 * trampoline, and SA_RESTART makes other syscalls on that thread resume instead of failing EINTR.
 * The page lives as long as the process, because the handler may run at any time.
 */
public final class KickSignal {
    /**
     * SIGRTMAX-6, counted from the top because the top is fixed: SIGRTMAX is the kernel's last
     * signal (64 on x86-64) under glibc and musl alike, while SIGRTMIN depends on how many signals
     * the C library reserves (34 under glibc, 35 under musl) and asking glibc costs a second
     * downcall link, ~4 ms of a CLI boot's start.
     */
    private static final int SIGNAL = 64 - 6;

    private static boolean installed;
    private static MemorySegment handlerPage;

    /** The signal number (SIGRTMAX-6). Does not install the handler: see {@link #ensureInstalled()}. */
    public static int number() {
        return SIGNAL;
    }

    /**
     * Installs the handler if it is not yet: call before sending the signal. Done on first use
     * rather than at start-up because a VM whose vCPUs are never kicked (a single vCPU that ends by
     * itself) then never pays for linking sigaction and mprotect.
     */
    public static synchronized void ensureInstalled() {
        if (!installed) {
            install();
            installed = true;
        }
    }

    private static void install() {
        int sig = number();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment old = arena.allocate(Libc.SIGACTION);
            Libc.sigaction(sig, MemorySegment.NULL, old);
            long oldHandler = old.get(ADDRESS, Libc.SIGACTION.byteOffset(groupElement("sa_handler")))
                    .address();
            if (oldHandler != 0) { // SIG_DFL is 0; anything else means someone else owns this signal
                throw new IllegalStateException(
                        "kick signal " + sig + " already has a handler (0x" + Long.toHexString(oldHandler) + ")");
            }
            MemorySegment page = Libc.mmap(
                            MemorySegment.NULL,
                            4096,
                            Libc.PROT_READ | Libc.PROT_WRITE,
                            Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS,
                            -1,
                            0)
                    .reinterpret(4096);
            page.set(JAVA_BYTE, 0, (byte) 0xC3); // ret
            Libc.mprotect(page, 4096, Libc.PROT_READ | Libc.PROT_EXEC);

            MemorySegment act = arena.allocate(Libc.SIGACTION); // zeroed: empty sa_mask
            act.set(ADDRESS, Libc.SIGACTION.byteOffset(groupElement("sa_handler")), page);
            act.set(JAVA_INT, Libc.SIGACTION.byteOffset(groupElement("sa_flags")), Libc.SA_RESTART);
            Libc.sigaction(sig, act, MemorySegment.NULL);
            handlerPage = page;
        }
    }

    /**
     * Unblocks the kick signal for the calling thread, so a kick cannot be left pending behind a
     * signal mask inherited from whoever created the thread.
     */
    public static void unblockForCurrentThread() {
        int sig = number();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment set = arena.allocate(Libc.SIGSET_SIZE, 8);
            int bit = sig - 1;
            set.set(JAVA_LONG, (bit / 64) * 8L, 1L << (bit % 64));
            Libc.sigprocmask(Libc.SIG_UNBLOCK, set, MemorySegment.NULL);
        }
    }

    /** The address of the installed handler, or 0 when not yet installed; for diagnostics and tests. */
    public static synchronized long handlerAddress() {
        return handlerPage == null ? 0 : handlerPage.address();
    }

    private KickSignal() {}
}
