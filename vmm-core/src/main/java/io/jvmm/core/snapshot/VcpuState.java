package io.jvmm.core.snapshot;

import io.jvmm.kvm.CpuidEntry;
import io.jvmm.kvm.KvmException;
import io.jvmm.kvm.VcpuFd;
import io.jvmm.kvm.struct.KvmFpu;
import io.jvmm.kvm.struct.KvmLapicState;
import io.jvmm.kvm.struct.KvmRegs;
import io.jvmm.kvm.struct.KvmSregs;
import io.jvmm.kvm.struct.KvmVcpuEvents;
import io.jvmm.kvm.struct.KvmXcrs;
import io.jvmm.kvm.struct.KvmXsave;
import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything KVM holds about one paused vCPU, as KVM's own structs (raw bytes: their layouts are
 * checked against the kernel headers by kvm-bindings' tests), plus the MSRs KVM lists as saveable.
 * The vCPU must be out of KVM_RUN with its last exit completed (the pause path re-enters KVM_RUN with
 * immediate_exit, which finishes a pending I/O instruction first).
 */
public record VcpuState(
        byte[] regs,
        byte[] sregs,
        byte[] fpu,
        byte[] xsave,
        byte[] xcrs,
        byte[] lapic,
        byte[] events,
        int mpState,
        long[] msrIndices,
        long[] msrValues,
        CpuidEntry[] cpuid) {
    private static final System.Logger LOG = System.getLogger(VcpuState.class.getName());

    public static VcpuState capture(VcpuFd vcpu, int[] saveableMsrs) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment regs = a.allocate(KvmRegs.LAYOUT),
                    sregs = a.allocate(KvmSregs.LAYOUT),
                    fpu = a.allocate(KvmFpu.LAYOUT),
                    xsave = a.allocate(KvmXsave.LAYOUT),
                    xcrs = a.allocate(KvmXcrs.LAYOUT),
                    lapic = a.allocate(KvmLapicState.LAYOUT),
                    events = a.allocate(KvmVcpuEvents.LAYOUT);
            vcpu.getRegs(regs);
            vcpu.getSregs(sregs);
            vcpu.getFpu(fpu);
            vcpu.getXsave(xsave);
            vcpu.getXcrs(xcrs);
            vcpu.getLapic(lapic);
            vcpu.getVcpuEvents(events);
            List<Long> idx = new ArrayList<>();
            List<Long> val = new ArrayList<>();
            readMsrs(vcpu, saveableMsrs, idx, val);
            return new VcpuState(
                    StructBytes.of(regs),
                    StructBytes.of(sregs),
                    StructBytes.of(fpu),
                    StructBytes.of(xsave),
                    StructBytes.of(xcrs),
                    StructBytes.of(lapic),
                    StructBytes.of(events),
                    vcpu.getMpState(),
                    idx.stream().mapToLong(Long::longValue).toArray(),
                    val.stream().mapToLong(Long::longValue).toArray(),
                    vcpu.getCpuid());
        }
    }

    /** All at once; if KVM refuses one (listed but not readable here), one by one without it. */
    private static void readMsrs(VcpuFd vcpu, int[] list, List<Long> idx, List<Long> val) {
        long[] all = new long[list.length];
        for (int i = 0; i < list.length; i++) all[i] = Integer.toUnsignedLong(list[i]);
        try {
            long[] v = vcpu.getMsrs(all);
            for (int i = 0; i < all.length; i++) {
                idx.add(all[i]);
                val.add(v[i]);
            }
        } catch (KvmException e) {
            for (long msr : all) {
                try {
                    val.add(vcpu.getMsrs(new long[] {msr})[0]);
                    idx.add(msr);
                } catch (KvmException skip) {
                    LOG.log(Level.DEBUG, "MSR 0x{0} not readable: not saved", Long.toHexString(msr));
                }
            }
        }
    }

    /** Puts a fresh vCPU into this state, in the order KVM needs (Firecracker's): CPUID first, events last. */
    public void restore(VcpuFd vcpu) {
        vcpu.setCpuid(cpuid);
        vcpu.setMpState(mpState);
        try (Arena a = Arena.ofConfined()) {
            vcpu.setRegs(StructBytes.segment(a, regs, KvmRegs.LAYOUT.byteSize(), "vCPU regs"));
            vcpu.setSregs(StructBytes.segment(a, sregs, KvmSregs.LAYOUT.byteSize(), "vCPU sregs"));
            vcpu.setXsave(StructBytes.segment(a, xsave, KvmXsave.LAYOUT.byteSize(), "vCPU xsave"));
            vcpu.setXcrs(StructBytes.segment(a, xcrs, KvmXcrs.LAYOUT.byteSize(), "vCPU xcrs"));
            vcpu.setLapic(StructBytes.segment(a, lapic, KvmLapicState.LAYOUT.byteSize(), "vCPU lapic"));
            writeMsrs(vcpu);
            vcpu.setVcpuEvents(StructBytes.segment(a, events, KvmVcpuEvents.LAYOUT.byteSize(), "vCPU events"));
        }
    }

    private void writeMsrs(VcpuFd vcpu) {
        try {
            vcpu.setMsrs(msrIndices, msrValues);
        } catch (KvmException e) {
            // Some listed MSRs only accept certain values or orders; set the rest and name the refused.
            List<String> refused = new ArrayList<>();
            for (int i = 0; i < msrIndices.length; i++) {
                try {
                    vcpu.setMsrs(new long[] {msrIndices[i]}, new long[] {msrValues[i]});
                } catch (KvmException one) {
                    refused.add("0x" + Long.toHexString(msrIndices[i]));
                }
            }
            if (!refused.isEmpty()) LOG.log(Level.DEBUG, "MSRs not restored (KVM refused them): {0}", refused);
        }
    }

    void write(SnapshotWriter w) {
        w.section("vcpu")
                .bytes(regs)
                .bytes(sregs)
                .bytes(fpu)
                .bytes(xsave)
                .bytes(xcrs)
                .bytes(lapic)
                .bytes(events)
                .i32(mpState);
        w.i32(msrIndices.length);
        for (int i = 0; i < msrIndices.length; i++) w.i64(msrIndices[i]).i64(msrValues[i]);
        w.i32(cpuid.length);
        for (CpuidEntry e : cpuid)
            w.i32(e.function())
                    .i32(e.index())
                    .i32(e.flags())
                    .i32(e.eax())
                    .i32(e.ebx())
                    .i32(e.ecx())
                    .i32(e.edx());
    }

    static VcpuState read(SnapshotReader r) {
        r.section("vcpu");
        byte[] regs = r.bytes(),
                sregs = r.bytes(),
                fpu = r.bytes(),
                xsave = r.bytes(),
                xcrs = r.bytes(),
                lapic = r.bytes(),
                events = r.bytes();
        int mp = r.i32();
        int n = r.i32();
        if (n < 0 || n > 4096) throw r.corrupt(n + " MSRs");
        long[] idx = new long[n], val = new long[n];
        for (int i = 0; i < n; i++) {
            idx[i] = r.i64();
            val[i] = r.i64();
        }
        int c = r.i32();
        if (c < 0 || c > 4096) throw r.corrupt(c + " CPUID entries");
        CpuidEntry[] cpuid = new CpuidEntry[c];
        for (int i = 0; i < c; i++)
            cpuid[i] = new CpuidEntry(r.i32(), r.i32(), r.i32(), r.i32(), r.i32(), r.i32(), r.i32());
        return new VcpuState(regs, sregs, fpu, xsave, xcrs, lapic, events, mp, idx, val, cpuid);
    }
}
