package io.jvmm.core.cpu;

import io.jvmm.kvm.VcpuFd;
import io.jvmm.kvm.struct.KvmRegs;
import io.jvmm.kvm.struct.KvmSegment;
import io.jvmm.kvm.struct.KvmSregs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** A vCPU's registers as text, for crash reports (triple fault, internal error). */
public final class RegisterDump {
    private RegisterDump() {}

    /** Never throws: a dump that cannot be taken says why instead. */
    public static String of(VcpuFd vcpu) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment r = KvmRegs.allocate(arena);
            MemorySegment s = KvmSregs.allocate(arena);
            vcpu.getRegs(r);
            vcpu.getSregs(s);
            return String.format(
                    "  rip=%016x rsp=%016x rflags=%08x%n"
                            + "  rax=%016x rbx=%016x rcx=%016x rdx=%016x%n"
                            + "  rsi=%016x rdi=%016x rbp=%016x%n"
                            + "  cs=%04x (base %x, l=%d, dpl=%d) ss=%04x cr0=%x cr2=%x cr3=%x cr4=%x efer=%x",
                    KvmRegs.rip(r),
                    KvmRegs.rsp(r),
                    KvmRegs.rflags(r),
                    KvmRegs.rax(r),
                    KvmRegs.rbx(r),
                    KvmRegs.rcx(r),
                    KvmRegs.rdx(r),
                    KvmRegs.rsi(r),
                    KvmRegs.rdi(r),
                    KvmRegs.rbp(r),
                    KvmSegment.selector(KvmSregs.cs(s)),
                    KvmSegment.base(KvmSregs.cs(s)),
                    KvmSegment.l(KvmSregs.cs(s)),
                    KvmSegment.dpl(KvmSregs.cs(s)),
                    KvmSegment.selector(KvmSregs.ss(s)),
                    KvmSregs.cr0(s),
                    KvmSregs.cr2(s),
                    KvmSregs.cr3(s),
                    KvmSregs.cr4(s),
                    KvmSregs.efer(s));
        } catch (RuntimeException e) {
            return "  (registers unavailable: " + e.getMessage() + ")";
        }
    }
}
