package io.jvmm.kvm;

import io.jvmm.kvm.struct.KvmRegs;
import io.jvmm.kvm.struct.KvmSegment;
import io.jvmm.kvm.struct.KvmSregs;
import io.jvmm.kvm.sys.Libc;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A VM with 64 KiB of RAM at guest-physical 0 and one real-mode vCPU starting at 0000:0000,
 * in the spirit of kvmtool's tests/kernel: hand-assembled bytes, no kernel.
 */
final class TinyGuest implements AutoCloseable {
    static final long RAM_SIZE = 64 * 1024;

    final Kvm kvm;
    final VmFd vm;
    final VcpuFd vcpu;
    final MemorySegment ram;

    TinyGuest(byte... code) {
        kvm = Kvm.open();
        vm = kvm.createVm();
        ram = Libc.mmap(
                        MemorySegment.NULL,
                        RAM_SIZE,
                        Libc.PROT_READ | Libc.PROT_WRITE,
                        Libc.MAP_PRIVATE | Libc.MAP_ANONYMOUS | Libc.MAP_NORESERVE,
                        -1,
                        0)
                .reinterpret(RAM_SIZE);
        ram.asSlice(0, code.length).copyFrom(MemorySegment.ofArray(code));
        vm.setUserMemoryRegion(0, 0, 0, RAM_SIZE, ram.address());
        vcpu = vm.createVcpu(0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sregs = KvmSregs.allocate(arena);
            vcpu.getSregs(sregs);
            for (MemorySegment seg :
                    new MemorySegment[] {KvmSregs.cs(sregs), KvmSregs.ds(sregs), KvmSregs.es(sregs), KvmSregs.ss(sregs)
                    }) {
                KvmSegment.base(seg, 0);
                KvmSegment.selector(seg, (short) 0);
            }
            vcpu.setSregs(sregs);
            MemorySegment regs = KvmRegs.allocate(arena);
            KvmRegs.rip(regs, 0);
            KvmRegs.rflags(regs, 2); // bit 1 is reserved and must be set
            KvmRegs.rsp(regs, RAM_SIZE - 16);
            vcpu.setRegs(regs);
        }
    }

    @Override
    public void close() {
        vcpu.close();
        vm.close();
        kvm.close();
        Libc.munmap(ram, RAM_SIZE);
    }
}
