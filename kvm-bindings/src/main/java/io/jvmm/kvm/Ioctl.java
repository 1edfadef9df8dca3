package io.jvmm.kvm;

import io.jvmm.kvm.struct.KvmClockData;
import io.jvmm.kvm.struct.KvmCpuid2;
import io.jvmm.kvm.struct.KvmEnableCap;
import io.jvmm.kvm.struct.KvmFpu;
import io.jvmm.kvm.struct.KvmIoeventfd;
import io.jvmm.kvm.struct.KvmIrqLevel;
import io.jvmm.kvm.struct.KvmIrqRouting;
import io.jvmm.kvm.struct.KvmIrqchip;
import io.jvmm.kvm.struct.KvmIrqfd;
import io.jvmm.kvm.struct.KvmLapicState;
import io.jvmm.kvm.struct.KvmMpState;
import io.jvmm.kvm.struct.KvmMsi;
import io.jvmm.kvm.struct.KvmMsrList;
import io.jvmm.kvm.struct.KvmMsrs;
import io.jvmm.kvm.struct.KvmPitConfig;
import io.jvmm.kvm.struct.KvmPitState2;
import io.jvmm.kvm.struct.KvmRegs;
import io.jvmm.kvm.struct.KvmSregs;
import io.jvmm.kvm.struct.KvmUserspaceMemoryRegion;
import io.jvmm.kvm.struct.KvmVcpuEvents;
import io.jvmm.kvm.struct.KvmXcrs;
import io.jvmm.kvm.struct.KvmXsave;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;

/**
 * Every KVM ioctl request jvmm issues, encoded as in {@code asm-generic/ioctl.h}:
 * {@code dir << 30 | size << 16 | 'KVMIO' << 8 | nr}, with the size taken from the Java struct
 * layout so a wrong layout also shows up as a wrong request number. {@link #name()} is the C macro
 * name and appears in every error message.
 */
public enum Ioctl {
    KVM_GET_API_VERSION(io(0x00)),
    KVM_CREATE_VM(io(0x01)),
    KVM_GET_MSR_INDEX_LIST(iowr(0x02, KvmMsrList.LAYOUT)),
    KVM_CHECK_EXTENSION(io(0x03)),
    KVM_GET_VCPU_MMAP_SIZE(io(0x04)),
    KVM_GET_SUPPORTED_CPUID(iowr(0x05, KvmCpuid2.LAYOUT)),
    KVM_CREATE_VCPU(io(0x41)),
    KVM_SET_USER_MEMORY_REGION(iow(0x46, KvmUserspaceMemoryRegion.LAYOUT)),
    KVM_SET_TSS_ADDR(io(0x47)),
    KVM_SET_IDENTITY_MAP_ADDR(iow(0x48, ValueLayout.JAVA_LONG)), // a __u64
    KVM_CREATE_IRQCHIP(io(0x60)),
    KVM_IRQ_LINE(iow(0x61, KvmIrqLevel.LAYOUT)),
    KVM_GET_IRQCHIP(iowr(0x62, KvmIrqchip.LAYOUT)),
    // _IOR although it is an input: a historical mistake the ABI has to keep.
    KVM_SET_IRQCHIP(ior(0x63, KvmIrqchip.LAYOUT)),
    KVM_SET_GSI_ROUTING(iow(0x6a, KvmIrqRouting.LAYOUT)),
    KVM_SIGNAL_MSI(iow(0xa5, KvmMsi.LAYOUT)),
    KVM_IRQFD(iow(0x76, KvmIrqfd.LAYOUT)),
    KVM_CREATE_PIT2(iow(0x77, KvmPitConfig.LAYOUT)),
    KVM_IOEVENTFD(iow(0x79, KvmIoeventfd.LAYOUT)),
    KVM_SET_CLOCK(iow(0x7b, KvmClockData.LAYOUT)),
    KVM_GET_CLOCK(ior(0x7c, KvmClockData.LAYOUT)),
    KVM_GET_PIT2(ior(0x9f, KvmPitState2.LAYOUT)),
    KVM_SET_PIT2(iow(0xa0, KvmPitState2.LAYOUT)),
    KVM_RUN(io(0x80)),
    KVM_GET_REGS(ior(0x81, KvmRegs.LAYOUT)),
    KVM_SET_REGS(iow(0x82, KvmRegs.LAYOUT)),
    KVM_GET_SREGS(ior(0x83, KvmSregs.LAYOUT)),
    KVM_SET_SREGS(iow(0x84, KvmSregs.LAYOUT)),
    KVM_GET_MSRS(iowr(0x88, KvmMsrs.LAYOUT)),
    KVM_SET_MSRS(iow(0x89, KvmMsrs.LAYOUT)),
    KVM_GET_FPU(ior(0x8c, KvmFpu.LAYOUT)),
    KVM_SET_FPU(iow(0x8d, KvmFpu.LAYOUT)),
    KVM_GET_LAPIC(ior(0x8e, KvmLapicState.LAYOUT)),
    KVM_SET_LAPIC(iow(0x8f, KvmLapicState.LAYOUT)),
    KVM_SET_CPUID2(iow(0x90, KvmCpuid2.LAYOUT)),
    KVM_GET_CPUID2(iowr(0x91, KvmCpuid2.LAYOUT)),
    KVM_GET_MP_STATE(ior(0x98, KvmMpState.LAYOUT)),
    KVM_SET_MP_STATE(iow(0x99, KvmMpState.LAYOUT)),
    KVM_GET_VCPU_EVENTS(ior(0x9f, KvmVcpuEvents.LAYOUT)),
    KVM_SET_VCPU_EVENTS(iow(0xa0, KvmVcpuEvents.LAYOUT)),
    KVM_ENABLE_CAP(iow(0xa3, KvmEnableCap.LAYOUT)),
    KVM_GET_XSAVE(ior(0xa4, KvmXsave.LAYOUT)),
    KVM_SET_XSAVE(iow(0xa5, KvmXsave.LAYOUT)),
    KVM_GET_XCRS(ior(0xa6, KvmXcrs.LAYOUT)),
    KVM_SET_XCRS(iow(0xa7, KvmXcrs.LAYOUT));

    private static final int KVMIO = 0xAE;
    private static final int NONE = 0, WRITE = 1, READ = 2;

    private final long number;

    Ioctl(long number) {
        this.number = number;
    }

    /** The request number passed to ioctl(2). */
    public long number() {
        return number;
    }

    private static long ioc(int dir, int nr, long size) {
        if (size >= 1 << 14) throw new IllegalArgumentException("ioctl size " + size + " does not fit 14 bits");
        return ((long) dir << 30) | (size << 16) | (KVMIO << 8) | nr;
    }

    private static long io(int nr) {
        return ioc(NONE, nr, 0);
    }

    private static long ior(int nr, MemoryLayout layout) {
        return ioc(READ, nr, layout.byteSize());
    }

    private static long iow(int nr, MemoryLayout layout) {
        return ioc(WRITE, nr, layout.byteSize());
    }

    private static long iowr(int nr, MemoryLayout layout) {
        return ioc(READ | WRITE, nr, layout.byteSize());
    }
}
