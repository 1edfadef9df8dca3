package io.jvmm.core.jail;

import io.jvmm.kvm.sys.Seccomp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A seccomp program (classic BPF, linux/filter.h and linux/seccomp.h) that allows a set of x86-64
 * system call numbers and applies {@link #defaultAction} to everything else, including calls from
 * another architecture or through the x32 ABI. The set is searched as a balanced binary tree, so a
 * call costs about log2(n) comparisons; the {@code hot} calls (KVM_RUN's ioctl) are tested first.
 * Pure logic: {@link #bytes()} is what {@code seccomp(2)} loads.
 */
public final class SeccompProgram {
    /** {@code AUDIT_ARCH_X86_64}: the architecture seccomp_data reports for native x86-64 calls. */
    public static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    /** Numbers at or above this are x32-ABI calls, which share the architecture value. */
    public static final int X32_SYSCALL_BIT = 0x40000000;

    public static final int RET_KILL_PROCESS = 0x80000000, RET_ALLOW = 0x7fff0000, RET_LOG = 0x7ffc0000;

    // BPF opcodes: load word at absolute offset, jumps against a constant, return a constant.
    static final short LD_W_ABS = 0x20, JEQ_K = 0x15, JGE_K = 0x35, JA = 0x05, RET_K = 0x06;
    /** Offsets in {@code struct seccomp_data}: nr, then arch. */
    static final int OFFSET_NR = 0, OFFSET_ARCH = 4;
    /** Leaves of the tree test this many numbers one by one. */
    private static final int LEAF = 4;

    private record Insn(short code, int jt, int jf, int k) {}

    private final int[] allowed;
    private final int defaultAction;
    private final List<Insn> program = new ArrayList<>();

    /**
     * @param allowed       the system call numbers that proceed
     * @param hot           numbers (among {@code allowed}) tested before the tree, most frequent first
     * @param defaultAction what happens to the rest, e.g. {@link #RET_KILL_PROCESS}
     */
    public SeccompProgram(int[] allowed, int[] hot, int defaultAction) {
        int[] sorted = Arrays.stream(allowed).distinct().sorted().toArray();
        if (sorted.length == 0)
            throw new IllegalArgumentException("a seccomp allow list needs at least one system call");
        if (sorted[0] < 0 || sorted[sorted.length - 1] >= X32_SYSCALL_BIT) {
            throw new IllegalArgumentException("system call numbers are 0.." + (X32_SYSCALL_BIT - 1));
        }
        for (int h : hot) {
            if (Arrays.binarySearch(sorted, h) < 0)
                throw new IllegalArgumentException("hot system call " + h + " is not allowed");
        }
        this.allowed = sorted;
        this.defaultAction = defaultAction;
        program.add(new Insn(LD_W_ABS, 0, 0, OFFSET_ARCH));
        program.add(new Insn(JEQ_K, 1, 0, AUDIT_ARCH_X86_64));
        program.add(new Insn(RET_K, 0, 0, defaultAction));
        program.add(new Insn(LD_W_ABS, 0, 0, OFFSET_NR));
        program.add(new Insn(JGE_K, 0, 1, X32_SYSCALL_BIT));
        program.add(new Insn(RET_K, 0, 0, defaultAction));
        // Hot calls: each a test and a jump over the next instruction to an allow.
        for (int h : hot) {
            program.add(new Insn(JEQ_K, 0, 1, h));
            program.add(new Insn(RET_K, 0, 0, RET_ALLOW));
        }
        program.addAll(tree(sorted, 0, sorted.length));
        if (program.size() > Seccomp.MAX_INSTRUCTIONS) {
            throw new IllegalArgumentException("seccomp program too long: " + program.size() + " instructions");
        }
    }

    /**
     * The numbers {@code [from, to)}: a leaf tests them in turn and ends in the default action and an
     * allow; an inner node sends the upper half on with an unconditional jump (32-bit offset), as the
     * conditional ones reach at most 255 instructions ahead.
     */
    private List<Insn> tree(int[] nrs, int from, int to) {
        List<Insn> out = new ArrayList<>();
        int n = to - from;
        if (n <= LEAF) {
            for (int i = 0; i < n; i++) out.add(new Insn(JEQ_K, n - i, 0, nrs[from + i]));
            out.add(new Insn(RET_K, 0, 0, defaultAction));
            out.add(new Insn(RET_K, 0, 0, RET_ALLOW));
            return out;
        }
        int mid = from + n / 2;
        List<Insn> lower = tree(nrs, from, mid), upper = tree(nrs, mid, to);
        out.add(new Insn(JGE_K, 0, 1, nrs[mid]));
        out.add(new Insn(JA, 0, 0, lower.size()));
        out.addAll(lower);
        out.addAll(upper);
        return out;
    }

    /** The allowed numbers, sorted. */
    public int[] allowed() {
        return allowed.clone();
    }

    /** The number of instructions. */
    public int length() {
        return program.size();
    }

    /** The program as {@code struct sock_filter} entries in native (little-endian) byte order. */
    public byte[] bytes() {
        ByteBuffer b = ByteBuffer.allocate(program.size() * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (Insn i : program) {
            b.putShort(i.code()).put((byte) i.jt()).put((byte) i.jf()).putInt(i.k());
        }
        return b.array();
    }
}
