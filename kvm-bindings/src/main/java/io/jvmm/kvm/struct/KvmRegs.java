package io.jvmm.kvm.struct;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;
import static java.lang.foreign.MemoryLayout.structLayout;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.SegmentAllocator;
import java.lang.foreign.StructLayout;

/**
 * {@code struct kvm_regs} (asm/kvm.h, KVM_GET_REGS/KVM_SET_REGS). Member names are the C names; accessors take the struct's segment.
 */
@SuppressWarnings("unused")
public final class KvmRegs {
    /** The C layout, checked against the kernel headers by LayoutAgreementTest. */
    public static final StructLayout LAYOUT = structLayout(
                    JAVA_LONG.withName("rax"),
                    JAVA_LONG.withName("rbx"),
                    JAVA_LONG.withName("rcx"),
                    JAVA_LONG.withName("rdx"),
                    JAVA_LONG.withName("rsi"),
                    JAVA_LONG.withName("rdi"),
                    JAVA_LONG.withName("rsp"),
                    JAVA_LONG.withName("rbp"),
                    JAVA_LONG.withName("r8"),
                    JAVA_LONG.withName("r9"),
                    JAVA_LONG.withName("r10"),
                    JAVA_LONG.withName("r11"),
                    JAVA_LONG.withName("r12"),
                    JAVA_LONG.withName("r13"),
                    JAVA_LONG.withName("r14"),
                    JAVA_LONG.withName("r15"),
                    JAVA_LONG.withName("rip"),
                    JAVA_LONG.withName("rflags"))
            .withName("kvm_regs");

    private static final long rax$OFFSET = LAYOUT.byteOffset(groupElement("rax"));
    /** Reads {@code rax}. */
    public static long rax(MemorySegment s) {
        return s.get(JAVA_LONG, rax$OFFSET);
    }
    /** Writes {@code rax}. */
    public static void rax(MemorySegment s, long v) {
        s.set(JAVA_LONG, rax$OFFSET, v);
    }

    private static final long rbx$OFFSET = LAYOUT.byteOffset(groupElement("rbx"));
    /** Reads {@code rbx}. */
    public static long rbx(MemorySegment s) {
        return s.get(JAVA_LONG, rbx$OFFSET);
    }
    /** Writes {@code rbx}. */
    public static void rbx(MemorySegment s, long v) {
        s.set(JAVA_LONG, rbx$OFFSET, v);
    }

    private static final long rcx$OFFSET = LAYOUT.byteOffset(groupElement("rcx"));
    /** Reads {@code rcx}. */
    public static long rcx(MemorySegment s) {
        return s.get(JAVA_LONG, rcx$OFFSET);
    }
    /** Writes {@code rcx}. */
    public static void rcx(MemorySegment s, long v) {
        s.set(JAVA_LONG, rcx$OFFSET, v);
    }

    private static final long rdx$OFFSET = LAYOUT.byteOffset(groupElement("rdx"));
    /** Reads {@code rdx}. */
    public static long rdx(MemorySegment s) {
        return s.get(JAVA_LONG, rdx$OFFSET);
    }
    /** Writes {@code rdx}. */
    public static void rdx(MemorySegment s, long v) {
        s.set(JAVA_LONG, rdx$OFFSET, v);
    }

    private static final long rsi$OFFSET = LAYOUT.byteOffset(groupElement("rsi"));
    /** Reads {@code rsi}. */
    public static long rsi(MemorySegment s) {
        return s.get(JAVA_LONG, rsi$OFFSET);
    }
    /** Writes {@code rsi}. */
    public static void rsi(MemorySegment s, long v) {
        s.set(JAVA_LONG, rsi$OFFSET, v);
    }

    private static final long rdi$OFFSET = LAYOUT.byteOffset(groupElement("rdi"));
    /** Reads {@code rdi}. */
    public static long rdi(MemorySegment s) {
        return s.get(JAVA_LONG, rdi$OFFSET);
    }
    /** Writes {@code rdi}. */
    public static void rdi(MemorySegment s, long v) {
        s.set(JAVA_LONG, rdi$OFFSET, v);
    }

    private static final long rsp$OFFSET = LAYOUT.byteOffset(groupElement("rsp"));
    /** Reads {@code rsp}. */
    public static long rsp(MemorySegment s) {
        return s.get(JAVA_LONG, rsp$OFFSET);
    }
    /** Writes {@code rsp}. */
    public static void rsp(MemorySegment s, long v) {
        s.set(JAVA_LONG, rsp$OFFSET, v);
    }

    private static final long rbp$OFFSET = LAYOUT.byteOffset(groupElement("rbp"));
    /** Reads {@code rbp}. */
    public static long rbp(MemorySegment s) {
        return s.get(JAVA_LONG, rbp$OFFSET);
    }
    /** Writes {@code rbp}. */
    public static void rbp(MemorySegment s, long v) {
        s.set(JAVA_LONG, rbp$OFFSET, v);
    }

    private static final long r8$OFFSET = LAYOUT.byteOffset(groupElement("r8"));
    /** Reads {@code r8}. */
    public static long r8(MemorySegment s) {
        return s.get(JAVA_LONG, r8$OFFSET);
    }
    /** Writes {@code r8}. */
    public static void r8(MemorySegment s, long v) {
        s.set(JAVA_LONG, r8$OFFSET, v);
    }

    private static final long r9$OFFSET = LAYOUT.byteOffset(groupElement("r9"));
    /** Reads {@code r9}. */
    public static long r9(MemorySegment s) {
        return s.get(JAVA_LONG, r9$OFFSET);
    }
    /** Writes {@code r9}. */
    public static void r9(MemorySegment s, long v) {
        s.set(JAVA_LONG, r9$OFFSET, v);
    }

    private static final long r10$OFFSET = LAYOUT.byteOffset(groupElement("r10"));
    /** Reads {@code r10}. */
    public static long r10(MemorySegment s) {
        return s.get(JAVA_LONG, r10$OFFSET);
    }
    /** Writes {@code r10}. */
    public static void r10(MemorySegment s, long v) {
        s.set(JAVA_LONG, r10$OFFSET, v);
    }

    private static final long r11$OFFSET = LAYOUT.byteOffset(groupElement("r11"));
    /** Reads {@code r11}. */
    public static long r11(MemorySegment s) {
        return s.get(JAVA_LONG, r11$OFFSET);
    }
    /** Writes {@code r11}. */
    public static void r11(MemorySegment s, long v) {
        s.set(JAVA_LONG, r11$OFFSET, v);
    }

    private static final long r12$OFFSET = LAYOUT.byteOffset(groupElement("r12"));
    /** Reads {@code r12}. */
    public static long r12(MemorySegment s) {
        return s.get(JAVA_LONG, r12$OFFSET);
    }
    /** Writes {@code r12}. */
    public static void r12(MemorySegment s, long v) {
        s.set(JAVA_LONG, r12$OFFSET, v);
    }

    private static final long r13$OFFSET = LAYOUT.byteOffset(groupElement("r13"));
    /** Reads {@code r13}. */
    public static long r13(MemorySegment s) {
        return s.get(JAVA_LONG, r13$OFFSET);
    }
    /** Writes {@code r13}. */
    public static void r13(MemorySegment s, long v) {
        s.set(JAVA_LONG, r13$OFFSET, v);
    }

    private static final long r14$OFFSET = LAYOUT.byteOffset(groupElement("r14"));
    /** Reads {@code r14}. */
    public static long r14(MemorySegment s) {
        return s.get(JAVA_LONG, r14$OFFSET);
    }
    /** Writes {@code r14}. */
    public static void r14(MemorySegment s, long v) {
        s.set(JAVA_LONG, r14$OFFSET, v);
    }

    private static final long r15$OFFSET = LAYOUT.byteOffset(groupElement("r15"));
    /** Reads {@code r15}. */
    public static long r15(MemorySegment s) {
        return s.get(JAVA_LONG, r15$OFFSET);
    }
    /** Writes {@code r15}. */
    public static void r15(MemorySegment s, long v) {
        s.set(JAVA_LONG, r15$OFFSET, v);
    }

    private static final long rip$OFFSET = LAYOUT.byteOffset(groupElement("rip"));
    /** Reads {@code rip}. */
    public static long rip(MemorySegment s) {
        return s.get(JAVA_LONG, rip$OFFSET);
    }
    /** Writes {@code rip}. */
    public static void rip(MemorySegment s, long v) {
        s.set(JAVA_LONG, rip$OFFSET, v);
    }

    private static final long rflags$OFFSET = LAYOUT.byteOffset(groupElement("rflags"));
    /** Reads {@code rflags}. */
    public static long rflags(MemorySegment s) {
        return s.get(JAVA_LONG, rflags$OFFSET);
    }
    /** Writes {@code rflags}. */
    public static void rflags(MemorySegment s, long v) {
        s.set(JAVA_LONG, rflags$OFFSET, v);
    }

    /** A zeroed {@code kvm_regs}. */
    public static MemorySegment allocate(SegmentAllocator allocator) {
        return allocator.allocate(LAYOUT);
    }

    private KvmRegs() {}
}
