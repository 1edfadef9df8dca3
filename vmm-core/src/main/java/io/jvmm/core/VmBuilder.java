package io.jvmm.core;

import io.jvmm.core.arch.x86.BootState;
import io.jvmm.core.arch.x86.Cpuid;
import io.jvmm.core.arch.x86.Layout;
import io.jvmm.core.arch.x86.MpTable;
import io.jvmm.core.backend.block.RawImage;
import io.jvmm.core.backend.net.PasstBackend;
import io.jvmm.core.backend.net.TapBackend;
import io.jvmm.core.backend.vsock.HybridVsockSocket;
import io.jvmm.core.boot.KernelBoot;
import io.jvmm.core.bus.BusDevice;
import io.jvmm.core.cpu.VcpuSetup;
import io.jvmm.core.devices.FuseRequests;
import io.jvmm.core.devices.VirtioMmioDevices;
import io.jvmm.core.irq.IoApic;
import io.jvmm.core.irq.KernelIrqChip;
import io.jvmm.core.legacy.DebugExitPort;
import io.jvmm.core.legacy.I8042;
import io.jvmm.core.legacy.Serial8250;
import io.jvmm.core.memory.GuestRam;
import io.jvmm.core.snapshot.MachineState;
import io.jvmm.core.snapshot.MemoryFile;
import io.jvmm.core.snapshot.ShareState;
import io.jvmm.core.snapshot.SnapshotException;
import io.jvmm.core.snapshot.SnapshotFile;
import io.jvmm.fuse.FuseServer;
import io.jvmm.kvm.CpuidEntry;
import io.jvmm.kvm.Kvm;
import io.jvmm.kvm.KvmException;
import io.jvmm.kvm.VcpuFd;
import io.jvmm.kvm.sys.NativeException;
import io.jvmm.virtio.blk.BlockBackend;
import io.jvmm.virtio.blk.BlockDevice;
import io.jvmm.virtio.fs.FsDevice;
import io.jvmm.virtio.net.MacAddress;
import io.jvmm.virtio.net.NetBackend;
import io.jvmm.virtio.net.NetDevice;
import io.jvmm.virtio.rng.HostEntropy;
import io.jvmm.virtio.rng.RngDevice;
import io.jvmm.virtio.vsock.VsockDevice;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

/**
 * Assembles a VM from its config (Firecracker's {@code builder.rs}): opens KVM, maps guest RAM, sets
 * up the interrupt controllers, attaches the devices and their backends, and either loads the kernel
 * into fresh vCPUs or puts a snapshot back ({@link VmPersistence}). Nothing runs until
 * {@link Vm#start()}; on failure everything already opened is released, and the backends the config
 * handed over are closed.
 */
final class VmBuilder {
    /** Looked up on first use: System.getLogger bootstraps its logging backend (~10 ms at start-up). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(Vm.class.getName());
    }
    /** KVM_CREATE_PIT2 flag: the in-kernel PIT also answers the speaker port 0x61. */
    private static final int KVM_PIT_SPEAKER_DUMMY = 1;

    private final VmConfig config;
    private final Machine m = new Machine();
    /** Backends the config handed over that no device owns yet: closed here if the build fails. */
    private final Set<AutoCloseable> unowned = Collections.newSetFromMap(new IdentityHashMap<>());

    private VmBuilder(VmConfig config) {
        this.config = config;
        for (DriveConfig d : config.drives()) if (d.backend() != null) unowned.add(d.backend());
        if (config.net() != null && config.net().backend() != null)
            unowned.add(config.net().backend());
    }

    /** A VM that boots {@code config}'s kernel. */
    static Vm boot(VmConfig config) {
        VmBuilder b = new VmBuilder(config);
        try {
            if (config.kernel() == null)
                throw new ConfigException("kernel", "is required to boot (only a restore goes without)");
            b.buildForBoot();
            return new Vm(config, b.m);
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    /** A VM restored from the snapshot in {@code dir}, whose state is {@code state} (null: read here). */
    static Vm restore(Path dir, MachineState saved, VmConfig config) {
        VmBuilder b = new VmBuilder(config);
        try {
            MachineState state = saved != null ? saved : SnapshotFile.readState(dir);
            if (config.memoryBytes() < state.memoryBytes()) {
                throw new SnapshotException("the snapshot in " + dir + " has " + (state.memoryBytes() >> 20)
                        + " MiB of RAM; the configuration gives only " + config.memoryMib() + " MiB");
            }
            b.buildFromSnapshot(dir, state);
            return new Vm(config, b.m);
        } catch (RuntimeException | Error e) {
            b.discard();
            throw e;
        }
    }

    private void discard() {
        m.release();
        for (AutoCloseable c : unowned) VmTeardown.closeQuietly(c);
    }

    private void buildForBoot() {
        openKvm();
        m.memoryBytes = config.memoryBytes();
        m.ram = GuestRam.allocate(m.memoryBytes);
        attachRamAndIrqchip(splitIrqchip(), config.vcpus());

        // Devices first: their command-line tokens are part of what the kernel loader writes.
        attachDevices(config.vsock() == null ? 0 : config.vsock().guestCid(), null);

        CpuTemplate template = config.cpuTemplate().resolve();
        m.kernelCmdline = KernelCmdline.build(config, CpuTemplate.hostIsPvm(), template, m.devices.cmdlineTokens());
        BootState boot =
                KernelBoot.load(m.ram.memory(), config.kernel(), config.initrd(), m.kernelCmdline, config.vcpus());

        List<CpuidEntry> supported = List.of(m.kvm.supportedCpuid());
        for (int i = 0; i < config.vcpus(); i++) {
            VcpuFd vcpu = m.vmFd.createVcpu(i);
            m.vcpuFds.add(vcpu);
            VcpuSetup.configure(vcpu, Cpuid.forVcpu(supported, i, config.vcpus(), template), i == 0 ? boot : null);
        }
        attachLegacy();
    }

    private void buildFromSnapshot(Path dir, MachineState state) {
        openKvm();
        m.memoryBytes = state.memoryBytes();
        m.ram = MemoryFile.map(dir.resolve(SnapshotFile.MEMORY), m.memoryBytes);
        attachRamAndIrqchip(state.vm().splitIrqchip(), state.vcpus().size());
        attachDevices(VmPersistence.vsockCid(state, config), state);
        attachLegacy();
        VmPersistence.restore(m, state);
    }

    private void openKvm() {
        m.kvm = Kvm.open();
        m.vmFd = m.kvm.createVm();
        m.vmFd.setTssAddr(Layout.KVM_TSS);
        try {
            m.vmFd.setIdentityMapAddr(Layout.KVM_IDENTITY_MAP);
        } catch (KvmException e) {
            // Only VMX without unrestricted guest needs it; other backends may refuse the call.
            Log.LOG.log(Level.DEBUG, "KVM_SET_IDENTITY_MAP_ADDR not accepted: {0}", e.getMessage());
        }
    }

    /**
     * Registers guest RAM, then sets up the interrupt controllers, in that order: a memory slot added
     * once KVM's irqchip exists waits for an SRCU grace period, and the irqchip has no need of the slots.
     */
    private void attachRamAndIrqchip(boolean split, int vcpus) {
        m.ram.registerWith(m.vmFd);
        if (split) {
            m.vmFd.enableSplitIrqchip(IoApic.PINS);
            m.ioapic = new IoApic(MpTable.ioapicId(vcpus), new IoApic.Delivery() {
                public void msi(long address, int data) {
                    signalMsi(address, data);
                }

                public void levelRoutes(int[] gsis, long[] addresses, int[] data) {
                    m.vmFd.setMsiRoutes(gsis, addresses, data);
                }
            });
            m.mmio.register(Layout.IOAPIC, IoApic.WINDOW, "IOAPIC", m.ioapic);
            m.pins = m.ioapic;
        } else {
            m.vmFd.createIrqchip();
            m.vmFd.createPit2(KVM_PIT_SPEAKER_DUMMY);
            m.pins = new KernelIrqChip(
                    m.vmFd, kvmNotify(Kvm.KVM_CAP_IRQFD, "KVM_IRQFD", "interrupts go through KVM_IRQ_LINE"));
        }
        m.exits = new ExitLatch(m.ioapic);
    }

    /** KVM_SIGNAL_MSI; a message KVM refuses (the guest programmed a bad entry) is the guest's loss, logged. */
    private void signalMsi(long address, int data) {
        try {
            m.vmFd.signalMsi(address, data);
        } catch (KvmException e) {
            Log.LOG.log(
                    Level.DEBUG,
                    "IOAPIC interrupt 0x{0}/0x{1} not delivered: {2}",
                    Long.toHexString(address),
                    Integer.toHexString(data),
                    e.getMessage());
        }
    }

    /**
     * Whether the config's fast notification path can use {@code cap}: a KVM without it (some nested
     * or minimal hypervisors) still runs the VM, on the plain MMIO and interrupt-line paths.
     */
    private boolean kvmNotify(int cap, String what, String fallback) {
        if (!config.kvmNotify()) return false;
        if (m.vmFd.checkExtension(cap) > 0) return true;
        Log.LOG.log(Level.INFO, "KVM has no {0}: {1}", what, fallback);
        return false;
    }

    /** SPLIT or KERNEL for a new VM: AUTO takes SPLIT where KVM offers it. */
    private boolean splitIrqchip() {
        return switch (config.irqchip()) {
            case SPLIT -> true;
            case KERNEL -> false;
            case AUTO -> m.vmFd.checkExtension(Kvm.KVM_CAP_SPLIT_IRQCHIP) > 0;
        };
    }

    /**
     * The virtio devices of the config, in their fixed order, each with its backend; {@code saved}
     * (null on a fresh boot) gives the shares' file servers their state.
     */
    private void attachDevices(long vsockCid, MachineState saved) {
        m.devices = new VirtioMmioDevices(
                m.vmFd,
                m.ram.memory(),
                m.mmio,
                m.pins,
                kvmNotify(
                        Kvm.KVM_CAP_IOEVENTFD,
                        "KVM_IOEVENTFD",
                        "queue notifications go through the vCPUs' MMIO exits"));
        for (DriveConfig d : config.drives()) {
            BlockBackend image =
                    d.backend() != null ? d.backend() : RawImage.open("drives." + d.id(), d.path(), d.readOnly());
            BlockDevice drive = new BlockDevice(d.id(), image, d.rateLimit());
            unowned.remove(image); // the device closes it from here on, even if attach fails
            m.drives.put(d.id(), drive);
            m.devices.attach(drive);
        }
        if (config.rng()) m.devices.attach(new RngDevice(openEntropy()));
        if (config.net() != null) {
            NetConfig n = config.net();
            NetBackend backend = n.backend() != null
                    ? n.backend()
                    : n.isTap()
                            ? TapBackend.open("network.interface", n.tap())
                            : n.passtSocket() >= 0
                                    ? PasstBackend.adopt(n.passtSocket())
                                    : PasstBackend.start("network", n.forwards(), n.ipv4());
            m.net = new NetDevice(
                    "eth0", n.mac() != null ? n.mac() : MacAddress.random(), backend, n.rxRateLimit(), n.txRateLimit());
            unowned.remove(backend);
            m.devices.attach(m.net);
        }
        if (config.vsock() != null) {
            m.vsock = new VsockDevice(vsockCid);
            m.devices.attach(m.vsock);
            if (config.vsock().udsPath() != null) {
                m.vsockSocket =
                        HybridVsockSocket.open("vsock.uds_path", config.vsock().udsPath(), m.vsock);
            }
        }
        if (saved != null) VmPersistence.checkShares(saved, config.shares());
        for (ShareConfig sh : config.shares()) {
            FuseServer server = openShare(sh, saved == null ? null : VmPersistence.savedShare(saved, sh.tag()));
            FsDevice device;
            try {
                device = new FsDevice(sh.tag(), 1, new FuseRequests(server));
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            m.shares.put(sh.tag(), server);
            m.devices.attach(device); // closes the device, and with it the server, if it fails
        }
    }

    /** The share's file server: fresh, or where the snapshot's {@code saved} left off. */
    private static FuseServer openShare(ShareConfig sh, ShareState saved) {
        try {
            if (saved == null) return FuseServer.open(sh.dir(), sh.options());
            return FuseServer.restore(
                    sh.dir(), sh.options(), new DataInputStream(new ByteArrayInputStream(saved.server())));
        } catch (IOException e) {
            throw new SnapshotException("cannot restore share '" + sh.tag() + "': " + e.getMessage(), e);
        } catch (NativeException | IllegalStateException e) {
            throw new ConfigException("shares." + sh.tag(), "cannot serve " + sh.dir() + ": " + e.getMessage());
        }
    }

    private void attachLegacy() {
        m.serial = new Serial8250(config.consoleOutput(), high -> m.pins.setLevel(Serial8250.COM1_IRQ, high));
        m.pio.register(Serial8250.COM1, 8, "serial (COM1)", m.serial);
        m.i8042 = new I8042(() -> m.exits.end(new VmExit.Reset("i8042 reset")));
        // Two single-port windows: 0x61-0x63 belong to the in-kernel PIT's speaker port and others.
        m.pio.register(0x60, 1, "i8042 data", m.i8042);
        m.pio.register(0x64, 1, "i8042 command", shifted(m.i8042, 4));
        m.pio.register(
                DebugExitPort.PORT,
                DebugExitPort.LENGTH,
                "debug-exit",
                new DebugExitPort(code -> m.exits.end(new VmExit.DebugExit(code))));
    }

    private static HostEntropy openEntropy() {
        try {
            return HostEntropy.open();
        } catch (IOException e) {
            throw new ConfigException("rng", "cannot open /dev/urandom: " + e.getMessage());
        }
    }

    private static BusDevice shifted(BusDevice d, long offset) {
        return new BusDevice() {
            public void read(long o, MemorySegment data) {
                d.read(o + offset, data);
            }

            public void write(long o, MemorySegment data) {
                d.write(o + offset, data);
            }
        };
    }
}
