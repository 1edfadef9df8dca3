package io.jvmm.kvm.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Seccomp filters (linux/seccomp.h) and the no_new_privs bit they need: a classic BPF program the
 * kernel runs on every system call of the filtered threads, deciding from the call number, the
 * architecture and the arguments whether it proceeds. Filters stack and cannot be removed.
 */
public final class Seccomp {
    private static final long SYS_PRCTL = 157, SYS_SECCOMP = 317;
    private static final long PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39;
    private static final long SECCOMP_SET_MODE_FILTER = 1, SECCOMP_FILTER_FLAG_TSYNC = 1;
    /** One BPF instruction, {@code struct sock_filter}: u16 code, u8 jt, u8 jf, u32 k. */
    public static final int INSTRUCTION_SIZE = 8;
    /** The kernel's limit on a program's length (BPF_MAXINSNS). */
    public static final int MAX_INSTRUCTIONS = 4096;

    private Seccomp() {}

    /**
     * Sets no_new_privs on the calling thread: execve can no longer grant privileges (setuid bits,
     * file capabilities), which lets an unprivileged thread install filters and Landlock rulesets.
     * A thread-synchronised filter sets it on every thread.
     */
    public static void setNoNewPrivs() {
        if (Libc.syscall(SYS_PRCTL, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0) < 0) {
            throw new NativeException("prctl(PR_SET_NO_NEW_PRIVS)", Libc.lastErrno());
        }
    }

    /** True when the calling thread has no_new_privs. */
    public static boolean noNewPrivs() {
        long r = Libc.syscall(SYS_PRCTL, PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0, 0);
        if (r < 0) throw new NativeException("prctl(PR_GET_NO_NEW_PRIVS)", Libc.lastErrno());
        return r == 1;
    }

    /**
     * Installs {@code program} (whole instructions in host byte order) on every thread of the
     * process (SECCOMP_FILTER_FLAG_TSYNC), so no thread is left unfiltered; the calling thread must
     * have no_new_privs or CAP_SYS_ADMIN.
     */
    public static void installOnAllThreads(byte[] program) {
        if (program.length == 0
                || program.length % INSTRUCTION_SIZE != 0
                || program.length / INSTRUCTION_SIZE > MAX_INSTRUCTIONS) {
            throw new IllegalArgumentException(
                    "a seccomp program is 1.." + MAX_INSTRUCTIONS + " instructions, got " + program.length + " bytes");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment code = arena.allocate(program.length, 8);
            MemorySegment.copy(program, 0, code, ValueLayout.JAVA_BYTE, 0, program.length);
            MemorySegment fprog = arena.allocate(16, 8); // struct sock_fprog: u16 len, pointer filter
            fprog.set(JAVA_SHORT, 0, (short) (program.length / INSTRUCTION_SIZE));
            fprog.set(ADDRESS, 8, code);
            long r = Libc.syscall(SYS_SECCOMP, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, fprog.address());
            if (r < 0) throw new NativeException("seccomp(SET_MODE_FILTER, TSYNC)", Libc.lastErrno());
            // A positive result is the id of a thread that could not be synchronised; nothing was installed.
            if (r > 0)
                throw new NativeException("seccomp(SET_MODE_FILTER, TSYNC)", "thread " + r + " has a different filter");
        }
    }

    /**
     * Makes system call {@code nr} with no arguments and returns its raw result (-1 and errno on
     * failure): a way to check that a filter is in force, as a call it forbids must not return.
     */
    public static long probe(int nr) {
        return Libc.syscall(nr, 0, 0, 0);
    }
}
