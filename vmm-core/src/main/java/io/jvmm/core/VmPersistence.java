package io.jvmm.core;

import io.jvmm.core.devices.VirtioMmioDevices;
import io.jvmm.core.snapshot.DeviceState;
import io.jvmm.core.snapshot.LegacyState;
import io.jvmm.core.snapshot.MachineState;
import io.jvmm.core.snapshot.MemoryFile;
import io.jvmm.core.snapshot.ShareState;
import io.jvmm.core.snapshot.SnapshotException;
import io.jvmm.core.snapshot.SnapshotFile;
import io.jvmm.core.snapshot.VcpuState;
import io.jvmm.core.snapshot.VmState;
import io.jvmm.fuse.FuseServer;
import io.jvmm.kvm.VcpuFd;
import io.jvmm.virtio.VirtioIds;
import io.jvmm.virtio.vsock.VsockDevice;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Snapshot and restore of a {@link Machine} (Firecracker's {@code persist.rs}): captures a paused
 * machine as a {@link MachineState} plus its memory file, and puts a state back into a machine that
 * {@link VmBuilder} assembled from the snapshot's memory and the restoring config.
 */
final class VmPersistence {
    private VmPersistence() {}

    /**
     * Writes the paused {@code m} to {@code dir} (created; must not hold a snapshot already): guest RAM
     * sparsely to {@code memory}, then the state to {@code state}. Returns the bytes of RAM written.
     */
    static long snapshot(Machine m, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new SnapshotException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        if (Files.exists(dir.resolve(SnapshotFile.STATE)) || Files.exists(dir.resolve(SnapshotFile.MEMORY))) {
            throw new SnapshotException(dir + " already holds a snapshot");
        }
        MachineState state = capture(m);
        long written = MemoryFile.write(m.ram.memory(), dir.resolve(SnapshotFile.MEMORY));
        SnapshotFile.write(dir, state.encode());
        return written;
    }

    private static MachineState capture(Machine m) {
        int[] msrs = m.kvm.msrIndexList();
        List<VcpuState> vcpus = new ArrayList<>();
        for (VcpuFd v : m.vcpuFds) vcpus.add(VcpuState.capture(v, msrs));
        List<DeviceState> devices = new ArrayList<>();
        for (VirtioMmioDevices.Slot s : m.devices.slots()) {
            long cid = s.device() instanceof VsockDevice v ? v.guestCid() : 0;
            devices.add(new DeviceState(
                    s.device().deviceType(), s.device().name(), s.transport().state(), cid));
        }
        List<ShareState> shares = new ArrayList<>();
        for (Map.Entry<String, FuseServer> e : m.shares.entrySet()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                e.getValue().saveState(out);
            } catch (IOException x) {
                throw new SnapshotException("cannot save share '" + e.getKey() + "': " + x.getMessage(), x);
            }
            shares.add(new ShareState(e.getKey(), bytes.toByteArray()));
        }
        return new MachineState(
                m.memoryBytes,
                m.kernelCmdline,
                VmState.capture(m.vmFd, m.ioapic),
                vcpus,
                new LegacyState(m.serial.saveState(), m.i8042.saveState()),
                devices,
                shares);
    }

    /**
     * Refuses a restoring config whose shares are not the snapshot's, by tag in order: the guest
     * holds node ids of each share's server.
     */
    static void checkShares(MachineState state, List<ShareConfig> config) {
        List<String> want = state.shares().stream().map(ShareState::tag).toList();
        List<String> have = config.stream().map(ShareConfig::tag).toList();
        if (!want.equals(have)) {
            throw new SnapshotException("the snapshot's shares are " + want + " but the configuration gives " + have
                    + " (same tags, same order needed)");
        }
    }

    /** The snapshot's saved server of share {@code tag} ({@link #checkShares} ran first). */
    static ShareState savedShare(MachineState state, String tag) {
        for (ShareState s : state.shares()) if (s.tag().equals(tag)) return s;
        throw new SnapshotException("the snapshot has no share '" + tag + "'");
    }

    /** The guest CID a restored vsock device takes: the snapshot's (the guest keeps its address), else the config's. */
    static long vsockCid(MachineState state, VmConfig config) {
        for (DeviceState d : state.devices()) if (d.deviceType() == VirtioIds.VIRTIO_ID_VSOCK) return d.vsockCid();
        return config.vsock() == null ? 0 : config.vsock().guestCid();
    }

    /**
     * Puts {@code state} back into {@code m}, whose RAM, irqchip model, devices and legacy devices the
     * builder made from the snapshot and the restoring config: the virtio transports (the config must
     * give the snapshot's devices in its order), the vCPUs (created here), the VM-wide state and the
     * legacy devices. Host-side vsock streams cannot be carried over, so the guest is told they are gone.
     */
    static void restore(Machine m, MachineState state) {
        restoreDevices(m.devices.slots(), state.devices());
        m.kernelCmdline = state.cmdline();
        for (int i = 0; i < state.vcpus().size(); i++) {
            VcpuFd vcpu = m.vmFd.createVcpu(i);
            m.vcpuFds.add(vcpu);
            state.vcpus().get(i).restore(vcpu);
        }
        state.vm().restore(m.vmFd, m.ioapic);
        try {
            m.serial.restoreState(state.legacy().uart());
            m.i8042.restoreState(state.legacy().i8042());
        } catch (IllegalArgumentException e) {
            throw new SnapshotException("snapshot is corrupt: " + e.getMessage());
        }
        if (m.vsock != null) m.vsock.transportReset();
    }

    private static void restoreDevices(List<VirtioMmioDevices.Slot> slots, List<DeviceState> saved) {
        boolean same = slots.size() == saved.size();
        for (int i = 0; same && i < slots.size(); i++)
            same = slots.get(i).device().deviceType() == saved.get(i).deviceType();
        if (!same) {
            List<String> have = slots.stream().map(s -> s.device().name()).toList();
            List<String> want = saved.stream().map(DeviceState::name).toList();
            throw new SnapshotException("the snapshot's devices are " + want + " but the configuration gives " + have
                    + " (same kinds, same order needed)");
        }
        for (int i = 0; i < slots.size(); i++) {
            try {
                slots.get(i).transport().restore(saved.get(i).transport());
            } catch (RuntimeException e) {
                throw new SnapshotException(
                        "cannot restore " + slots.get(i).device().name() + ": " + e.getMessage(), e);
            }
        }
    }
}
