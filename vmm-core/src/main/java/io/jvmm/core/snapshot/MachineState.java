package io.jvmm.core.snapshot;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything of a paused VM except its RAM (which goes to the memory file), as Firecracker's
 * {@code MicrovmState}: the machine's size and command line, the VM-wide state, each vCPU, the
 * legacy devices, each virtio device and each virtio-fs share's file server. This is the payload of
 * the {@code state} file, one section per part (docs/snapshot.md).
 *
 * @param memoryBytes guest RAM, the length of the memory file
 * @param cmdline     the kernel command line the guest booted with
 * @param shares      the FUSE server of each virtio-fs share, in the devices' order
 */
public record MachineState(
        long memoryBytes,
        String cmdline,
        VmState vm,
        List<VcpuState> vcpus,
        LegacyState legacy,
        List<DeviceState> devices,
        List<ShareState> shares) {
    /** More vCPUs than a VmConfig allows; anything beyond is not a jvmm snapshot. */
    static final int MAX_VCPUS = 64;

    public MachineState {
        vcpus = List.copyOf(vcpus);
        devices = List.copyOf(devices);
        shares = List.copyOf(shares);
    }

    public byte[] encode() {
        SnapshotWriter w = new SnapshotWriter();
        w.section("machine").i64(memoryBytes).string(cmdline);
        vm.write(w);
        w.section("vcpus").i32(vcpus.size());
        for (VcpuState c : vcpus) c.write(w);
        legacy.write(w);
        w.section("devices").i32(devices.size());
        for (DeviceState d : devices) d.write(w);
        w.section("shares").i32(shares.size());
        for (ShareState sh : shares) sh.write(w);
        w.section("end");
        return w.toByteArray();
    }

    /** Decodes a payload of {@code file}; anything out of place is refused with one line naming the file. */
    public static MachineState decode(byte[] payload, String file) {
        SnapshotReader r = new SnapshotReader(payload, file);
        r.section("machine");
        long mem = r.i64();
        String cmdline = r.string();
        if (mem <= 0 || (mem & 0xfff) != 0) throw r.corrupt("memory size " + mem);
        VmState vm = VmState.read(r);
        r.section("vcpus");
        int n = r.i32();
        if (n < 1 || n > MAX_VCPUS) throw r.corrupt(n + " vCPU states");
        List<VcpuState> cpus = new ArrayList<>();
        for (int i = 0; i < n; i++) cpus.add(VcpuState.read(r));
        LegacyState legacy = LegacyState.read(r);
        r.section("devices");
        int nd = r.i32();
        if (nd < 0 || nd > DeviceState.MAX_DEVICES) throw r.corrupt(nd + " virtio devices");
        List<DeviceState> devices = new ArrayList<>();
        for (int i = 0; i < nd; i++) devices.add(DeviceState.read(r));
        r.section("shares");
        int ns = r.i32();
        if (ns < 0 || ns > ShareState.MAX_SHARES) throw r.corrupt(ns + " shares");
        List<ShareState> shares = new ArrayList<>();
        for (int i = 0; i < ns; i++) shares.add(ShareState.read(r));
        r.section("end");
        r.end();
        return new MachineState(mem, cmdline, vm, cpus, legacy, devices, shares);
    }
}
