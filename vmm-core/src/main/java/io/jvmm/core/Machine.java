package io.jvmm.core;

import io.jvmm.core.backend.vsock.HybridVsockSocket;
import io.jvmm.core.bus.Bus;
import io.jvmm.core.devices.VirtioMmioDevices;
import io.jvmm.core.irq.InterruptPins;
import io.jvmm.core.irq.IoApic;
import io.jvmm.core.legacy.I8042;
import io.jvmm.core.legacy.Serial8250;
import io.jvmm.core.memory.GuestRam;
import io.jvmm.fuse.FuseServer;
import io.jvmm.kvm.Kvm;
import io.jvmm.kvm.VcpuFd;
import io.jvmm.kvm.VmFd;
import io.jvmm.virtio.blk.BlockDevice;
import io.jvmm.virtio.net.NetDevice;
import io.jvmm.virtio.vsock.VsockDevice;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The parts of one VM (Firecracker's {@code Vmm}): what {@link VmBuilder} assembles, {@link Vm} runs
 * and {@link VmPersistence} saves. It owns every native resource among them and releases them in
 * reverse order of creation. A part the builder has not reached yet is null.
 */
final class Machine {
    final Bus pio = new Bus("port I/O");
    final Bus mmio = new Bus("MMIO");
    final List<VcpuFd> vcpuFds = new ArrayList<>();
    final Map<String, BlockDevice> drives = new LinkedHashMap<>();
    /** Each virtio-fs share's file server by tag; its device owns and closes it. */
    final Map<String, FuseServer> shares = new LinkedHashMap<>();

    Kvm kvm;
    VmFd vmFd;
    /** RAM actually mapped: the config's on a fresh boot, the snapshot's on a restore. */
    long memoryBytes;

    GuestRam ram;
    /** The IOAPIC's inputs: KVM's in-kernel IOAPIC, or {@link #ioapic} with a split irqchip. */
    InterruptPins pins;

    IoApic ioapic;
    ExitLatch exits;
    VirtioMmioDevices devices;
    NetDevice net;
    VsockDevice vsock;
    HybridVsockSocket vsockSocket;
    Serial8250 serial;
    I8042 i8042;
    String kernelCmdline;

    /**
     * Removes the vsock socket file: it goes whatever happens to the vCPUs, since a stale one would
     * block the next VM at that path.
     */
    void closeSocket() {
        VmTeardown.closeQuietly(vsockSocket);
    }

    /**
     * Releases everything once no vCPU thread runs: the devices (their threads write guest RAM, so
     * they stop before it is unmapped), the vCPU fds, guest RAM (unmapped before this returns; KVM's
     * MMU notifier drops the slots' mappings), and last the VM fd and /dev/kvm on a background
     * thread ({@link VmTeardown}). The future completes when those two are closed.
     */
    CompletableFuture<Void> release() {
        closeSocket();
        VmTeardown.closeQuietly(devices);
        for (int i = vcpuFds.size() - 1; i >= 0; i--) VmTeardown.closeQuietly(vcpuFds.get(i));
        VmTeardown.closeQuietly(ram);
        return vmFd == null && kvm == null
                ? CompletableFuture.completedFuture(null)
                : VmTeardown.closeInBackground(Arrays.asList(vmFd, kvm));
    }
}
