package io.jvmm.core.snapshot;

import io.jvmm.kvm.VmFd;
import io.jvmm.kvm.struct.KvmClockData;
import io.jvmm.kvm.struct.KvmIrqchip;
import io.jvmm.kvm.struct.KvmPitState2;
import io.jvmm.virtio.mmio.MmioTransport;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

/**
 * Everything of a paused VM except its RAM (which goes to the memory file): the machine's shape,
 * each vCPU, the interrupt controllers (KVM's in-kernel PICs, IOAPIC and PIT, or with a split
 * irqchip jvmm's IOAPIC in {@code ioapic} and no PIC or PIT), the clock, the legacy devices and each
 * virtio transport. This is the payload of the {@code state} file (docs/snapshot.md).
 */
public record MachineState(long memoryBytes, int vcpus, String cmdline, List<VcpuState> cpus, boolean splitIrqchip, byte[] picMaster,
                           byte[] picSlave, byte[] ioapic, byte[] pit, byte[] clock, byte[] uart, byte[] i8042,
                           List<DeviceState> devices) {
    /** KVM_CLOCK_TSC_STABLE: reported by KVM_GET_CLOCK, refused by KVM_SET_CLOCK. */
    private static final int KVM_CLOCK_TSC_STABLE = 2;
    private static final int PIC_MASTER = 0, PIC_SLAVE = 1, IOAPIC = 2;

    /** One virtio device: its kind and name (to check the restoring VM has the same devices) and its transport. */
    public record DeviceState(int deviceType, String name, MmioTransport.State transport, long vsockCid) {}

    public MachineState {
        cpus = List.copyOf(cpus);
        devices = List.copyOf(devices);
    }

    /**
     * KVM's VM-wide state: irqchip (both PICs and the IOAPIC), PIT, clock. Returns {pic0, pic1,
     * ioapic, pit, clock}; with a split irqchip only the clock (the rest are empty: the caller
     * saves its own IOAPIC).
     */
    public static byte[][] captureVm(VmFd vm, boolean splitIrqchip) {
        try (Arena a = Arena.ofConfined()) {
            byte[][] out = {new byte[0], new byte[0], new byte[0], new byte[0], null};
            MemorySegment clock = a.allocate(KvmClockData.LAYOUT);
            vm.getClock(clock);
            out[4] = clock.toArray(ValueLayout.JAVA_BYTE);
            if (splitIrqchip) return out;
            for (int chip : new int[] {PIC_MASTER, PIC_SLAVE, IOAPIC}) {
                MemorySegment c = a.allocate(KvmIrqchip.LAYOUT);
                KvmIrqchip.chip_id(c, chip);
                vm.getIrqchip(c);
                out[chip] = c.toArray(ValueLayout.JAVA_BYTE);
            }
            MemorySegment pit = a.allocate(KvmPitState2.LAYOUT);
            vm.getPit2(pit);
            out[3] = pit.toArray(ValueLayout.JAVA_BYTE);
            return out;
        }
    }

    /**
     * Puts KVM's irqchip and PIT (unless split: jvmm's IOAPIC is the caller's to restore) and the
     * clock back: the guest's time goes on from the snapshot's.
     */
    public void restoreVm(VmFd vm) {
        try (Arena a = Arena.ofConfined()) {
            if (!splitIrqchip) {
                for (byte[] chip : new byte[][] {picMaster, picSlave, ioapic}) vm.setIrqchip(segment(a, chip, KvmIrqchip.LAYOUT.byteSize(), "irqchip state"));
                vm.setPit2(segment(a, pit, KvmPitState2.LAYOUT.byteSize(), "PIT state"));
            }
            MemorySegment c = segment(a, clock, KvmClockData.LAYOUT.byteSize(), "clock state");
            KvmClockData.flags(c, KvmClockData.flags(c) & ~KVM_CLOCK_TSC_STABLE);
            vm.setClock(c);
        }
    }

    /** {@code b} (a saved KVM struct) in native memory; refused when its size is not this KVM's. */
    static MemorySegment segment(Arena a, byte[] b, long size, String what) {
        if (b.length != size) throw new SnapshotException(what + " has " + b.length + " bytes, this KVM expects " + size);
        MemorySegment s = a.allocate(size);
        MemorySegment.copy(MemorySegment.ofArray(b), 0, s, 0, size);
        return s;
    }

    public byte[] encode() {
        SnapshotWriter w = new SnapshotWriter();
        w.section("machine").i64(memoryBytes).i32(vcpus).string(cmdline);
        w.section("vcpus").i32(cpus.size());
        for (VcpuState c : cpus) c.write(w);
        w.section("vm").bool(splitIrqchip).bytes(picMaster).bytes(picSlave).bytes(ioapic).bytes(pit).bytes(clock);
        w.section("legacy").bytes(uart).bytes(i8042);
        w.section("virtio").i32(devices.size());
        for (DeviceState d : devices) {
            MmioTransport.State t = d.transport();
            w.i32(d.deviceType()).string(d.name()).i64(d.vsockCid());
            w.i32(t.status()).i64(t.driverFeatures()).i32(t.deviceFeaturesSel()).i32(t.driverFeaturesSel()).i32(t.queueSel())
                    .i32(t.interruptStatus()).i32(t.configGeneration()).i32(t.queues().size());
            for (MmioTransport.QueueState q : t.queues()) {
                w.i32(q.num()).bool(q.ready()).i64(q.desc()).i64(q.driver()).i64(q.device()).i32(q.nextAvail()).i32(q.nextUsed());
            }
        }
        w.section("end");
        return w.toByteArray();
    }

    public static MachineState decode(byte[] payload, String file) {
        SnapshotReader r = new SnapshotReader(payload, file);
        r.section("machine");
        long mem = r.i64();
        int vcpus = r.i32();
        String cmdline = r.string();
        if (mem <= 0 || (mem & 0xfff) != 0) throw new SnapshotException(file + " is corrupt (memory size " + mem + ")");
        r.section("vcpus");
        int n = r.i32();
        if (n != vcpus || n < 1 || n > 64) throw new SnapshotException(file + " is corrupt (" + n + " vCPU states for " + vcpus + " vCPUs)");
        List<VcpuState> cpus = new ArrayList<>();
        for (int i = 0; i < n; i++) cpus.add(VcpuState.read(r));
        r.section("vm");
        boolean split = r.bool();
        byte[] p0 = r.bytes(), p1 = r.bytes(), io = r.bytes(), pit = r.bytes(), clock = r.bytes();
        r.section("legacy");
        byte[] uart = r.bytes(), kbd = r.bytes();
        r.section("virtio");
        int nd = r.i32();
        if (nd < 0 || nd > 32) throw new SnapshotException(file + " is corrupt (" + nd + " virtio devices)");
        List<DeviceState> devices = new ArrayList<>();
        for (int i = 0; i < nd; i++) {
            int type = r.i32();
            String name = r.string();
            long cid = r.i64();
            int status = r.i32();
            long features = r.i64();
            int dfs = r.i32(), drfs = r.i32(), qsel = r.i32(), isr = r.i32(), gen = r.i32(), nq = r.i32();
            if (nq < 0 || nq > 64) throw new SnapshotException(file + " is corrupt (" + nq + " queues)");
            List<MmioTransport.QueueState> qs = new ArrayList<>();
            for (int q = 0; q < nq; q++) {
                qs.add(new MmioTransport.QueueState(r.i32(), r.bool(), r.i64(), r.i64(), r.i64(), r.i32(), r.i32()));
            }
            devices.add(new DeviceState(type, name, new MmioTransport.State(status, features, dfs, drfs, qsel, isr, gen, qs), cid));
        }
        r.section("end");
        r.end();
        return new MachineState(mem, vcpus, cmdline, cpus, split, p0, p1, io, pit, clock, uart, kbd, devices);
    }
}
