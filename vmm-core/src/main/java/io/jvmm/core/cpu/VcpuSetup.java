package io.jvmm.core.cpu;

import io.jvmm.core.arch.x86.BootState;
import io.jvmm.core.arch.x86.Gdt;
import io.jvmm.core.arch.x86.Layout;
import io.jvmm.kvm.CpuidEntry;
import io.jvmm.kvm.VcpuFd;
import io.jvmm.kvm.struct.KvmDtable;
import io.jvmm.kvm.struct.KvmFpu;
import io.jvmm.kvm.struct.KvmLapicState;
import io.jvmm.kvm.struct.KvmRegs;
import io.jvmm.kvm.struct.KvmSegment;
import io.jvmm.kvm.struct.KvmSregs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Puts a freshly created vCPU into its power-on-for-boot state: CPUID, MSRs, FPU, LAPIC LINT pins,
 * and (boot vCPU only) registers and segments. APs keep KVM's reset state and wait for INIT/SIPI.
 * The order matters: CPUID first, because KVM checks MSR writes against it.
 */
public final class VcpuSetup {
    private VcpuSetup() {}

    static final int MSR_IA32_TSC = 0x10,
            MSR_IA32_SYSENTER_CS = 0x174,
            MSR_IA32_SYSENTER_ESP = 0x175,
            MSR_IA32_SYSENTER_EIP = 0x176,
            MSR_IA32_MISC_ENABLE = 0x1a0,
            MSR_MTRR_DEF_TYPE = 0x2ff;
    static final long MSR_STAR = 0xc000_0081L,
            MSR_LSTAR = 0xc000_0082L,
            MSR_CSTAR = 0xc000_0083L,
            MSR_SYSCALL_MASK = 0xc000_0084L,
            MSR_KERNEL_GS_BASE = 0xc000_0102L;
    /** MISC_ENABLE.FAST_STRING; MTRRs enabled with write-back as the default type. */
    static final long MISC_ENABLE_FAST_STRING = 1, MTRR_ENABLE_WB = (1 << 11) | 6;

    static final int APIC_LVT_LINT0 = 0x350, APIC_LVT_LINT1 = 0x360;
    static final int APIC_MODE_NMI = 4, APIC_MODE_EXTINT = 7;

    public static void configure(VcpuFd vcpu, List<CpuidEntry> cpuid, BootState boot) {
        vcpu.setCpuid(cpuid.toArray(CpuidEntry[]::new));
        long[] idx = {
            MSR_IA32_SYSENTER_CS,
            MSR_IA32_SYSENTER_ESP,
            MSR_IA32_SYSENTER_EIP,
            MSR_STAR,
            MSR_CSTAR,
            MSR_KERNEL_GS_BASE,
            MSR_SYSCALL_MASK,
            MSR_LSTAR,
            MSR_IA32_TSC,
            MSR_IA32_MISC_ENABLE,
            MSR_MTRR_DEF_TYPE
        };
        long[] val = {0, 0, 0, 0, 0, 0, 0, 0, 0, MISC_ENABLE_FAST_STRING, MTRR_ENABLE_WB};
        vcpu.setMsrs(idx, val);
        try (Arena arena = Arena.ofConfined()) {
            setupFpu(vcpu, arena);
            setupLapic(vcpu, arena);
            if (boot != null) setupBootRegisters(vcpu, boot, arena);
        }
    }

    private static void setupFpu(VcpuFd vcpu, Arena arena) {
        MemorySegment fpu = KvmFpu.allocate(arena);
        KvmFpu.fcw(fpu, (short) 0x37f); // x87 default control word (FNINIT)
        KvmFpu.mxcsr(fpu, 0x1f80); // SSE exceptions masked
        vcpu.setFpu(fpu);
    }

    private static void setupLapic(VcpuFd vcpu, Arena arena) {
        MemorySegment lapic = KvmLapicState.allocate(arena);
        vcpu.getLapic(lapic);
        setLvt(lapic, APIC_LVT_LINT0, APIC_MODE_EXTINT); // the PIC's output
        setLvt(lapic, APIC_LVT_LINT1, APIC_MODE_NMI);
        vcpu.setLapic(lapic);
    }

    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static void setLvt(MemorySegment lapic, int reg, int mode) {
        MemorySegment regs = KvmLapicState.regs(lapic);
        int v = regs.get(U32, reg);
        regs.set(U32, reg, (v & ~0x700) | (mode << 8));
    }

    private static void setupBootRegisters(VcpuFd vcpu, BootState boot, Arena arena) {
        MemorySegment sregs = KvmSregs.allocate(arena);
        vcpu.getSregs(sregs);
        segment(KvmSregs.cs(sregs), boot.code());
        for (MemorySegment s : List.of(
                KvmSregs.ds(sregs), KvmSregs.es(sregs), KvmSregs.fs(sregs), KvmSregs.gs(sregs), KvmSregs.ss(sregs))) {
            segment(s, boot.data());
        }
        segment(KvmSregs.tr(sregs), boot.tss());
        KvmDtable.base(KvmSregs.gdt(sregs), Layout.BOOT_GDT);
        KvmDtable.limit(KvmSregs.gdt(sregs), (short) Gdt.limit());
        KvmDtable.base(KvmSregs.idt(sregs), Layout.BOOT_IDT);
        KvmDtable.limit(KvmSregs.idt(sregs), (short) 7);
        KvmSregs.cr0(sregs, boot.cr0());
        KvmSregs.cr3(sregs, boot.cr3());
        KvmSregs.cr4(sregs, boot.cr4());
        KvmSregs.efer(sregs, boot.efer());
        vcpu.setSregs(sregs);

        MemorySegment regs = KvmRegs.allocate(arena);
        KvmRegs.rflags(regs, BootState.RFLAGS);
        KvmRegs.rip(regs, boot.rip());
        KvmRegs.rsp(regs, boot.rsp());
        KvmRegs.rbp(regs, boot.rsp());
        KvmRegs.rsi(regs, boot.rsi());
        KvmRegs.rbx(regs, boot.rbx());
        vcpu.setRegs(regs);
    }

    private static void segment(MemorySegment k, Gdt.Segment s) {
        KvmSegment.base(k, s.base());
        KvmSegment.limit(k, s.limit());
        KvmSegment.selector(k, (short) s.selector());
        KvmSegment.type(k, (byte) s.type());
        KvmSegment.present(k, (byte) s.present());
        KvmSegment.dpl(k, (byte) s.dpl());
        KvmSegment.db(k, (byte) s.db());
        KvmSegment.s(k, (byte) s.s());
        KvmSegment.l(k, (byte) s.l());
        KvmSegment.g(k, (byte) s.g());
        KvmSegment.avl(k, (byte) s.avl());
        KvmSegment.unusable(k, (byte) 0);
    }
}
