package io.jvmm.core.jail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The generated BPF, run by a small interpreter of the instructions it uses, against every number. */
class SeccompProgramTest {
    private static final int OTHER_ARCH = 0x40000003; // AUDIT_ARCH_I386

    /** Runs {@code program} on a seccomp_data of {@code arch} and {@code nr}, as the kernel would. */
    static int run(byte[] program, int arch, int nr) {
        ByteBuffer b = ByteBuffer.wrap(program).order(ByteOrder.LITTLE_ENDIAN);
        int n = program.length / 8, pc = 0, acc = 0, steps = 0;
        while (true) {
            if (pc < 0 || pc >= n) throw new AssertionError("ran off the program at " + pc);
            if (++steps > n) throw new AssertionError("a loop"); // cBPF jumps only forward
            short code = b.getShort(pc * 8);
            int jt = b.get(pc * 8 + 2) & 0xff, jf = b.get(pc * 8 + 3) & 0xff, k = b.getInt(pc * 8 + 4);
            switch (code) {
                case SeccompProgram.LD_W_ABS -> {
                    acc = switch (k) {
                        case SeccompProgram.OFFSET_NR -> nr;
                        case SeccompProgram.OFFSET_ARCH -> arch;
                        default -> throw new AssertionError("load at " + k);
                    };
                    pc++;
                }
                case SeccompProgram.JEQ_K -> pc += 1 + (acc == k ? jt : jf);
                case SeccompProgram.JGE_K -> pc += 1 + (Integer.compareUnsigned(acc, k) >= 0 ? jt : jf);
                case SeccompProgram.JA -> pc += 1 + k;
                case SeccompProgram.RET_K -> {
                    return k;
                }
                default -> throw new AssertionError("opcode " + code);
            }
        }
    }

    private static void checkEvery(Set<Integer> allowed, int[] hot) {
        SeccompProgram p = new SeccompProgram(
                allowed.stream().mapToInt(Integer::intValue).toArray(), hot, SeccompProgram.RET_KILL_PROCESS);
        byte[] code = p.bytes();
        for (int nr = 0; nr < 1100; nr++) {
            int expected = allowed.contains(nr) ? SeccompProgram.RET_ALLOW : SeccompProgram.RET_KILL_PROCESS;
            assertEquals(expected, run(code, SeccompProgram.AUDIT_ARCH_X86_64, nr), "system call " + nr);
            assertEquals(
                    SeccompProgram.RET_KILL_PROCESS, run(code, OTHER_ARCH, nr), "another architecture's call " + nr);
            assertEquals(
                    SeccompProgram.RET_KILL_PROCESS,
                    run(code, SeccompProgram.AUDIT_ARCH_X86_64, nr | SeccompProgram.X32_SYSCALL_BIT),
                    "x32 call " + nr);
        }
        assertEquals(SeccompProgram.RET_KILL_PROCESS, run(code, SeccompProgram.AUDIT_ARCH_X86_64, -1));
    }

    @Test
    void allowsExactlyTheListOfAnySize() {
        Random r = new Random(42);
        for (int size : new int[] {1, 2, 3, 4, 5, 9, 64, 300, 1000}) {
            Set<Integer> allowed = new TreeSet<>();
            while (allowed.size() < size) allowed.add(r.nextInt(1024));
            checkEvery(allowed, new int[0]);
        }
    }

    @Test
    void hotCallsAreTestedFirstAndStillAllowedOnce() {
        Set<Integer> allowed = new TreeSet<>(Set.of(0, 1, 16, 202, 232, 270, 435));
        checkEvery(allowed, new int[] {16, 202});
        SeccompProgram p = new SeccompProgram(new int[] {0, 1, 16}, new int[] {16}, SeccompProgram.RET_KILL_PROCESS);
        // The hot test follows the architecture and x32 checks: instructions 6 and 7.
        ByteBuffer b = ByteBuffer.wrap(p.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(SeccompProgram.JEQ_K, b.getShort(6 * 8));
        assertEquals(16, b.getInt(6 * 8 + 4));
    }

    @Test
    void aBalancedTreeKeepsEveryCallShort() {
        Set<Integer> allowed = new TreeSet<>();
        for (int i = 0; i < 460; i += 2) allowed.add(i);
        SeccompProgram p = new SeccompProgram(
                allowed.stream().mapToInt(Integer::intValue).toArray(), new int[0], SeccompProgram.RET_KILL_PROCESS);
        assertTrue(p.length() < 460 * 2, "length " + p.length());
    }

    @Test
    void theMeasuredListParsesAndCoversWhatTheJvmCannotLive() {
        SyscallAllowList list = SyscallAllowList.vmProcess();
        for (String needed :
                new String[] {"read", "write", "ioctl", "futex", "rt_sigreturn", "exit", "exit_group", "mmap", "munmap"
                }) {
            assertTrue(list.numbers().containsKey(needed), needed + " is not on the list");
        }
        for (String never :
                new String[] {"execve", "ptrace", "mount", "kexec_load", "init_module", "bpf", "setuid", "chroot"}) {
            assertTrue(!list.numbers().containsKey(never), never + " is on the list");
        }
        assertEquals(202, list.numbers().get("futex"));
        checkEvery(new TreeSet<>(list.numbers().values()), new int[0]);
    }

    @Test
    void refusesWhatCannotBeAFilter() {
        assertThrows(
                IllegalArgumentException.class,
                () -> new SeccompProgram(new int[0], new int[0], SeccompProgram.RET_KILL_PROCESS));
        assertThrows(
                IllegalArgumentException.class,
                () -> new SeccompProgram(new int[] {-1}, new int[0], SeccompProgram.RET_KILL_PROCESS));
        assertThrows(
                IllegalArgumentException.class,
                () -> new SeccompProgram(new int[] {1}, new int[] {2}, SeccompProgram.RET_KILL_PROCESS));
    }
}
