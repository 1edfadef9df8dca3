package io.jvmm.core;

import io.jvmm.core.arch.x86.BootState;
import io.jvmm.core.arch.x86.Cpuid;
import io.jvmm.core.arch.x86.Layout;
import io.jvmm.core.boot.KernelBoot;
import io.jvmm.core.bus.Bus;
import io.jvmm.core.bus.BusDevice;
import io.jvmm.core.cpu.ExitSink;
import io.jvmm.core.cpu.VcpuSetup;
import io.jvmm.core.cpu.PauseGate;
import io.jvmm.core.cpu.VcpuThread;
import io.jvmm.core.snapshot.MachineState;
import io.jvmm.core.snapshot.MemoryFile;
import io.jvmm.core.snapshot.SnapshotException;
import io.jvmm.core.snapshot.SnapshotFile;
import io.jvmm.core.snapshot.VcpuState;
import io.jvmm.kvm.sys.Errno;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import java.nio.file.Path;
import io.jvmm.core.irq.InterruptPins;
import io.jvmm.core.irq.IoApic;
import io.jvmm.core.irq.KernelIrqChip;
import io.jvmm.core.legacy.DebugExitPort;
import io.jvmm.core.legacy.I8042;
import io.jvmm.core.legacy.Serial8250;
import io.jvmm.core.memory.GuestRam;
import io.jvmm.core.backend.block.RawImage;
import io.jvmm.core.devices.VirtioMmioDevices;
import io.jvmm.core.backend.vsock.HybridVsockSocket;
import io.jvmm.virtio.vsock.VsockDevice;
import io.jvmm.core.backend.net.PasstBackend;
import io.jvmm.core.backend.net.TapBackend;
import io.jvmm.virtio.net.MacAddress;
import io.jvmm.virtio.net.NetBackend;
import io.jvmm.virtio.net.NetDevice;
import io.jvmm.kvm.CpuidEntry;
import io.jvmm.kvm.Kvm;
import io.jvmm.kvm.KvmException;
import io.jvmm.kvm.VcpuFd;
import io.jvmm.kvm.VmFd;
import io.jvmm.memory.GuestMemory;
import io.jvmm.virtio.blk.BlockDevice;
import io.jvmm.virtio.rng.HostEntropy;
import io.jvmm.virtio.rng.RngDevice;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * A microVM: created from a {@link VmConfig} (everything allocated and loaded, nothing running),
 * {@link #start() started}, {@link #awaitExit() awaited}, and {@link #close() closed}.
 *
 * <pre>{@code
 * try (Vm vm = Vm.create(config)) {
 *     vm.start();
 *     VmExit exit = vm.awaitExit();
 * }
 * }</pre>
 *
 * <p>The VM owns every native resource it opens (the /dev/kvm and VM fds, vCPU fds and their kvm_run
 * mappings, guest RAM) and {@link #close()} releases them in reverse order, after stopping the vCPU
 * threads, even while a guest spins without ever exiting.
 */
public final class Vm implements AutoCloseable {
    /** Looked up on first use: System.getLogger bootstraps java.util.logging (~10 ms at start-up). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(Vm.class.getName());
    }
    /** KVM_CREATE_PIT2 flag: the in-kernel PIT also answers the speaker port 0x61. */
    private static final int KVM_PIT_SPEAKER_DUMMY = 1;
    private static final long JOIN_MILLIS = 5_000;

    private final VmConfig config;
    private final Bus pio = new Bus("port I/O");
    private final Bus mmio = new Bus("MMIO");
    private final LongAdder pioExits = new LongAdder();
    private final LongAdder mmioExits = new LongAdder();
    private final CompletableFuture<VmExit> exit = new CompletableFuture<>();
    private final List<VcpuFd> vcpuFds = new ArrayList<>();
    /** Published once by start(); end() may read it from any thread. */
    private volatile List<VcpuThread> vcpuThreads = List.of();
    private volatile boolean stopping;
    private Kvm kvm;
    private VmFd vmFd;
    private GuestRam ram;
    private VirtioMmioDevices devices;
    /** The IOAPIC's inputs: KVM's in-kernel IOAPIC, or {@link #ioapic} with a split irqchip. */
    private InterruptPins pins;
    private IoApic ioapic;
    private I8042 i8042;
    private final PauseGate gate = new PauseGate();
    private boolean paused;
    /** RAM actually mapped: the config's on a fresh boot, the snapshot's on a restore. */
    private long memoryBytes;
    private VsockDevice vsock;
    private NetDevice net;
    private final Map<String, BlockDevice> drives = new LinkedHashMap<>();
    private HybridVsockSocket vsockSocket;
    private Serial8250 serial;
    private Thread consolePump;
    private String kernelCmdline;
    private boolean started;
    private boolean closed;
    /** Completes when the VM fd and /dev/kvm fd are closed; set by close(). */
    private CompletableFuture<Void> released;

    private Vm(VmConfig config) { this.config = config; }

    /**
     * Builds the VM: opens KVM, maps RAM, loads the kernel, creates and configures the vCPUs and
     * devices. Nothing runs until {@link #start()}. On failure everything already opened is released.
     */
    public static Vm create(VmConfig config) {
        if (config.kernel() == null) throw new ConfigException("kernel", "is required to boot (only a restore goes without)");
        Vm vm = new Vm(config);
        try {
            vm.build();
            return vm;
        } catch (RuntimeException | Error e) {
            vm.close();
            throw e;
        }
    }

    /**
     * Restores a VM from a snapshot directory written by {@link #snapshot(Path)}, in this process or
     * another: guest RAM is mapped copy-on-write from the snapshot's memory file (nothing is copied;
     * several VMs can restore one snapshot at once and share its pages), the vCPUs, irqchip, clock
     * and devices are put back, and backends (drives, network, vsock socket) are attached again from
     * {@code config}, whose paths may differ from the snapshot's. The config must give the same
     * devices in the same order and at least the snapshot's memory; its kernel is not loaded.
     * Like {@link #create}, nothing runs until {@link #start()}. Refusals are one-line
     * {@link SnapshotException}s.
     */
    public static Vm restore(Path dir, VmConfig config) {
        return restore(dir, SnapshotFile.readState(dir), config);
    }

    /**
     * {@link #restore(Path, VmConfig)} with the snapshot's state already read (by a caller that
     * sized the config from it, {@link SnapshotFile#readState}), so it is read once.
     */
    public static Vm restore(Path dir, MachineState state, VmConfig config) {
        if (config.memoryBytes() < state.memoryBytes()) {
            throw new SnapshotException("the snapshot in " + dir + " has " + (state.memoryBytes() >> 20)
                    + " MiB of RAM; the configuration gives only " + config.memoryMib() + " MiB");
        }
        Vm vm = new Vm(config);
        try {
            vm.buildFromSnapshot(dir, state);
            return vm;
        } catch (RuntimeException | Error e) {
            vm.close();
            throw e;
        }
    }

    private void openMachine() {
        kvm = Kvm.open();
        vmFd = kvm.createVm();
        vmFd.setTssAddr(Layout.KVM_TSS);
        try {
            vmFd.setIdentityMapAddr(Layout.KVM_IDENTITY_MAP);
        } catch (KvmException e) {
            // Only VMX without unrestricted guest needs it; other backends may refuse the call.
            Log.LOG.log(Level.DEBUG, "KVM_SET_IDENTITY_MAP_ADDR not accepted: {0}", e.getMessage());
        }
    }

    /**
     * Registers guest RAM, then sets up the interrupt controllers, in that order: a memory slot
     * added once KVM's irqchip exists waits for an SRCU grace period (measured on kvm_pvm: 6.8 ms
     * for the first slot, against 0.4 ms before it), and the irqchip has no need of the slots.
     */
    private void attachRamAndIrqchip(boolean split, int vcpus) {
        ram.registerWith(vmFd);
        if (split) {
            vmFd.enableSplitIrqchip(IoApic.PINS);
            ioapic = new IoApic(io.jvmm.core.arch.x86.MpTable.ioapicId(vcpus), new IoApic.Delivery() {
                public void msi(long address, int data) { signalMsi(address, data); }
                public void levelRoutes(int[] gsis, long[] addresses, int[] data) { vmFd.setMsiRoutes(gsis, addresses, data); }
            });
            mmio.register(Layout.IOAPIC, IoApic.WINDOW, "IOAPIC", ioapic);
            pins = ioapic;
        } else {
            vmFd.createIrqchip();
            vmFd.createPit2(KVM_PIT_SPEAKER_DUMMY);
            pins = new KernelIrqChip(vmFd, kvmNotify(Kvm.KVM_CAP_IRQFD, "KVM_IRQFD", "interrupts go through KVM_IRQ_LINE"));
        }
    }

    /** KVM_SIGNAL_MSI; a message KVM refuses (the guest programmed a bad entry) is the guest's loss, logged. */
    private void signalMsi(long address, int data) {
        try {
            vmFd.signalMsi(address, data);
        } catch (KvmException e) {
            Log.LOG.log(Level.DEBUG, "IOAPIC interrupt 0x{0}/0x{1} not delivered: {2}",
                    Long.toHexString(address), Integer.toHexString(data), e.getMessage());
        }
    }

    /**
     * Whether the config's fast notification path can use {@code cap}: a KVM without it (some nested
     * or minimal hypervisors) still runs the VM, on the plain MMIO and interrupt-line paths.
     */
    private boolean kvmNotify(int cap, String what, String fallback) {
        if (!config.kvmNotify()) return false;
        if (vmFd.checkExtension(cap) > 0) return true;
        Log.LOG.log(Level.INFO, "KVM has no {0}: {1}", what, fallback);
        return false;
    }

    /** SPLIT or KERNEL for a new VM: AUTO takes SPLIT where KVM offers it. */
    private boolean splitIrqchip() {
        return switch (config.irqchip()) {
            case SPLIT -> true;
            case KERNEL -> false;
            case AUTO -> vmFd.checkExtension(Kvm.KVM_CAP_SPLIT_IRQCHIP) > 0;
        };
    }

    /** The virtio devices of the config, in their fixed order; {@code vsockCid} overrides the config's (restore). */
    private void attachDevices(Long vsockCid) {
        devices = new VirtioMmioDevices(vmFd, ram.memory(), mmio, pins,
                kvmNotify(Kvm.KVM_CAP_IOEVENTFD, "KVM_IOEVENTFD", "queue notifications go through the vCPUs' MMIO exits"));
        for (DriveConfig d : config.drives()) {
            BlockDevice drive = new BlockDevice(d.id(), RawImage.open("drives." + d.id(), d.path(), d.readOnly()), d.rateLimit());
            drives.put(d.id(), drive);
            devices.attach(drive);
        }
        if (config.rng()) devices.attach(new RngDevice(openEntropy()));
        if (config.net() != null) {
            NetConfig n = config.net();
            NetBackend backend = n.isTap() ? TapBackend.open("network.interface", n.tap())
                    : n.passtSocket() >= 0 ? PasstBackend.adopt(n.passtSocket())
                    : PasstBackend.start("network", n.forwards(), n.ipv4());
            net = new NetDevice("eth0", n.mac() != null ? n.mac() : MacAddress.random(), backend, n.rxRateLimit(), n.txRateLimit());
            devices.attach(net);
        }
        if (config.vsock() != null) {
            vsock = new VsockDevice(vsockCid != null ? vsockCid : config.vsock().guestCid());
            devices.attach(vsock);
            if (config.vsock().udsPath() != null) {
                vsockSocket = HybridVsockSocket.open("vsock.uds_path", config.vsock().udsPath(), vsock);
            }
        }
    }

    private void attachLegacy() {
        serial = new Serial8250(config.consoleOutput(), high -> pins.setLevel(Serial8250.COM1_IRQ, high));
        pio.register(Serial8250.COM1, 8, "serial (COM1)", serial);
        i8042 = new I8042(() -> end(new VmExit.Reset("i8042 reset")));
        // Two single-port windows: 0x61-0x63 belong to the in-kernel PIT's speaker port and others.
        pio.register(0x60, 1, "i8042 data", i8042);
        pio.register(0x64, 1, "i8042 command", shifted(i8042, 4));
        pio.register(DebugExitPort.PORT, DebugExitPort.LENGTH, "debug-exit",
                new DebugExitPort(code -> end(new VmExit.DebugExit(code))));
    }

    private void build() {
        openMachine();
        memoryBytes = config.memoryBytes();
        ram = GuestRam.allocate(memoryBytes);
        attachRamAndIrqchip(splitIrqchip(), config.vcpus());

        // Devices first: their command-line tokens are part of what the kernel loader writes.
        attachDevices(null);

        CpuTemplate template = config.cpuTemplate().resolve();
        kernelCmdline = KernelCmdline.build(config, CpuTemplate.hostIsPvm(), template, devices.cmdlineTokens());
        BootState boot = KernelBoot.load(ram.memory(), config.kernel(), config.initrd(), kernelCmdline, config.vcpus());

        List<CpuidEntry> supported = List.of(kvm.supportedCpuid());
        for (int i = 0; i < config.vcpus(); i++) {
            VcpuFd vcpu = vmFd.createVcpu(i);
            vcpuFds.add(vcpu);
            VcpuSetup.configure(vcpu, Cpuid.forVcpu(supported, i, config.vcpus(), template), i == 0 ? boot : null);
        }
        attachLegacy();
    }

    private void buildFromSnapshot(Path dir, MachineState state) {
        openMachine();
        memoryBytes = state.memoryBytes();
        Path memFile = dir.resolve(SnapshotFile.MEMORY);
        int fd;
        try {
            fd = Libc.open(memFile.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        } catch (NativeException e) {
            throw new SnapshotException("cannot open " + memFile + ": " + Errno.describe(e.errno()));
        }
        try {
            long size = Libc.lseek(fd, 0, Libc.SEEK_END);
            if (size != memoryBytes) {
                throw new SnapshotException(memFile + " is " + size + " bytes; the snapshot's RAM is " + memoryBytes + " (truncated or not this snapshot's)");
            }
            ram = GuestRam.mapFile(fd, memoryBytes);
        } finally {
            Libc.close(fd);
        }
        attachRamAndIrqchip(state.splitIrqchip(), state.vcpus());

        Long cid = null;
        for (MachineState.DeviceState d : state.devices()) if (d.deviceType() == io.jvmm.virtio.VirtioIds.VIRTIO_ID_VSOCK) cid = d.vsockCid();
        attachDevices(cid);
        List<VirtioMmioDevices.Slot> slots = devices.slots();
        List<String> have = slots.stream().map(sl -> sl.device().name()).toList();
        List<String> want = state.devices().stream().map(MachineState.DeviceState::name).toList();
        boolean same = slots.size() == state.devices().size();
        for (int i = 0; same && i < slots.size(); i++) same = slots.get(i).device().deviceType() == state.devices().get(i).deviceType();
        if (!same) {
            throw new SnapshotException("the snapshot's devices are " + want + " but the configuration gives " + have
                    + " (same kinds, same order needed)");
        }
        for (int i = 0; i < slots.size(); i++) {
            try {
                slots.get(i).transport().restore(state.devices().get(i).transport());
            } catch (RuntimeException e) {
                throw new SnapshotException("cannot restore " + slots.get(i).device().name() + ": " + e.getMessage(), e);
            }
        }
        kernelCmdline = state.cmdline();

        for (int i = 0; i < state.vcpus(); i++) {
            VcpuFd vcpu = vmFd.createVcpu(i);
            vcpuFds.add(vcpu);
            state.cpus().get(i).restore(vcpu);
        }
        state.restoreVm(vmFd);
        if (ioapic != null) {
            try {
                ioapic.restoreState(state.ioapic());
            } catch (IllegalArgumentException e) {
                throw new SnapshotException("snapshot is corrupt: " + e.getMessage());
            }
        }
        attachLegacy();
        try {
            serial.restoreState(state.uart());
            i8042.restoreState(state.i8042());
        } catch (IllegalArgumentException e) {
            throw new SnapshotException("snapshot is corrupt: " + e.getMessage());
        }
        // Host-side vsock streams cannot be carried over: tell the guest its connections are gone.
        if (vsock != null) vsock.transportReset();
    }

    /**
     * Pauses a running VM: every vCPU leaves KVM_RUN (its last instruction completed) and parks, and
     * every device finishes the request at hand and stops. {@link #resume()} continues exactly there.
     */
    public synchronized void pause() throws InterruptedException {
        if (!started || closed) throw new IllegalStateException("only a started VM can be paused");
        if (paused) return;
        gate.request();
        for (VcpuThread t : vcpuThreads) t.kick();
        if (!gate.awaitParked(vcpuThreads.size(), 5_000)) {
            if (stopping) throw new IllegalStateException("the VM ended while pausing");
            gate.release();
            throw new IllegalStateException("the vCPUs did not stop within 5 s");
        }
        devices.pause();
        paused = true;
    }

    /** Continues a paused VM. */
    public synchronized void resume() {
        if (!paused) return;
        devices.resume();
        paused = false;
        gate.release();
    }

    public synchronized boolean isPaused() { return paused; }

    /**
     * Writes a paused VM to {@code dir} (created; must not hold a snapshot already): {@code memory},
     * guest RAM written sparsely, and {@code state}, versioned and checksummed (docs/snapshot.md).
     * The VM stays paused. Returns the bytes of RAM actually written.
     */
    public synchronized long snapshot(Path dir) {
        if (!paused) throw new IllegalStateException("pause the VM before taking a snapshot");
        try {
            java.nio.file.Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new SnapshotException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        if (java.nio.file.Files.exists(dir.resolve(SnapshotFile.STATE)) || java.nio.file.Files.exists(dir.resolve(SnapshotFile.MEMORY))) {
            throw new SnapshotException(dir + " already holds a snapshot");
        }
        int[] msrs = kvm.msrIndexList();
        List<VcpuState> cpus = new ArrayList<>();
        for (VcpuFd v : vcpuFds) cpus.add(VcpuState.capture(v, msrs));
        byte[][] vmState = MachineState.captureVm(vmFd, ioapic != null);
        if (ioapic != null) vmState[2] = ioapic.saveState();
        List<MachineState.DeviceState> devs = new ArrayList<>();
        for (VirtioMmioDevices.Slot sl : devices.slots()) {
            long cid = sl.device() instanceof VsockDevice v ? v.guestCid() : 0;
            devs.add(new MachineState.DeviceState(sl.device().deviceType(), sl.device().name(), sl.transport().state(), cid));
        }
        MachineState state = new MachineState(memoryBytes, vcpuFds.size(), kernelCmdline, cpus, ioapic != null, vmState[0], vmState[1],
                vmState[2], vmState[3], vmState[4], serial.saveState(), i8042.saveState(), devs);
        long written = MemoryFile.write(ram.memory(), dir.resolve(SnapshotFile.MEMORY));
        SnapshotFile.write(dir, state.encode());
        return written;
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
            public void read(long o, MemorySegment data) { d.read(o + offset, data); }
            public void write(long o, MemorySegment data) { d.write(o + offset, data); }
        };
    }

    /** Starts the vCPU threads (and the console input pump). Once only. */
    public synchronized void start() {
        if (closed) throw new IllegalStateException("VM is closed");
        if (started) throw new IllegalStateException("VM already started");
        started = true;
        ExitSink sink = new ExitSink() {
            public void end(VmExit e) { Vm.this.end(e); }
            public boolean stopping() { return stopping; }
            public void ioapicEoi(int vector) { if (ioapic != null) ioapic.endOfInterrupt(vector); }
        };
        List<VcpuThread> threads = new ArrayList<>();
        for (int i = 0; i < vcpuFds.size(); i++) {
            threads.add(new VcpuThread(i, vcpuFds.get(i), pio, mmio, sink, pioExits, mmioExits, gate));
        }
        vcpuThreads = List.copyOf(threads);
        if (config.consoleInput() != null) {
            consolePump = ConsolePump.start(config.consoleInput(), serial, () -> stopping);
        }
        for (VcpuThread t : vcpuThreads) t.start();
    }

    /** Ends the VM with {@code exit} unless it already ended; wakes every vCPU. */
    private void end(VmExit why) {
        stopping = true;
        if (exit.complete(why)) {
            for (VcpuThread t : vcpuThreads) t.kick();
        }
    }

    /** Asks the VM to stop; {@link #awaitExit()} then returns {@link VmExit.Stopped} (unless it had ended already). */
    public void stop(String why) { end(new VmExit.Stopped(why)); }

    /** Waits until the VM ends and returns why. */
    public VmExit awaitExit() throws InterruptedException {
        try {
            return exit.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Waits at most {@code timeout}; empty when the VM is still running. */
    public Optional<VmExit> awaitExit(Duration timeout) throws InterruptedException {
        try {
            return Optional.of(exit.get(timeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            return Optional.empty();
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The exit reason if the VM has ended. */
    public Optional<VmExit> exitReason() { return Optional.ofNullable(exit.getNow(null)); }

    /** Guest RAM, for embedders and tests that inspect what the guest wrote. */
    public GuestMemory memory() { return ram.memory(); }

    /** The port-I/O bus: embedders may attach devices before {@link #start()}. */
    public Bus pioBus() { return pio; }

    /** The MMIO bus: embedders may attach devices before {@link #start()}. */
    public Bus mmioBus() { return mmio; }

    /** The virtio-mmio devices (windows, IRQs, transports), for embedders and tests. */
    public List<VirtioMmioDevices.Slot> virtioDevices() {
        return devices == null ? List.of() : devices.slots();
    }

    /**
     * The vsock device's host side: {@code connect(guestPort, timeout)} and {@code listen(hostPort)}.
     * Throws when the VM has no vsock device.
     */
    public VsockDevice vsock() {
        if (vsock == null) throw new IllegalStateException("this VM has no vsock device (VmConfig.Builder.vsock)");
        return vsock;
    }

    /** The virtio-blk device of drive {@code id} (its live rate limit, counters), or empty. */
    public Optional<BlockDevice> drive(String id) { return Optional.ofNullable(drives.get(id)); }

    /** The virtio-net device (its MAC, counters and backend), or empty. */
    public Optional<NetDevice> net() { return Optional.ofNullable(net); }

    /** Who models the interrupt controllers in this VM: {@link IrqChipMode#KERNEL} or {@link IrqChipMode#SPLIT}. */
    public IrqChipMode irqchip() { return ioapic != null ? IrqChipMode.SPLIT : IrqChipMode.KERNEL; }

    /** The complete kernel command line the guest was given. */
    public String kernelCmdline() { return kernelCmdline; }

    public VmConfig config() { return config; }

    /** Port-I/O exits handled so far, over all vCPUs. */
    public long pioExitCount() { return pioExits.sum(); }

    /** MMIO exits handled so far, over all vCPUs. */
    public long mmioExitCount() { return mmioExits.sum(); }

    /**
     * Stops the vCPUs (kicking them out of KVM_RUN), joins their threads, stops the devices, and
     * releases every fd and mapping: all before returning except the VM's own fd, whose destruction
     * waits in the kernel and finishes on a background thread ({@link #awaitReleased}). Idempotent.
     * If a vCPU thread does not leave KVM_RUN in time, its fd and guest RAM are deliberately not
     * released: unmapping memory a running vCPU uses would crash the process.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        end(new VmExit.Stopped("closed"));
        gate.release();   // parked vCPUs of a paused VM leave at once instead of at their next check
        boolean allJoined = true;
        // end() has kicked every vCPU when the VM ended; kicking again here would only signal
        // threads already on their way out (and link sigaction for nothing).
        for (VcpuThread t : vcpuThreads) {
            try {
                if (!t.join(JOIN_MILLIS)) {
                    allJoined = false;
                    Log.LOG.log(Level.ERROR, "a vCPU thread did not stop within {0} ms; leaking its resources", JOIN_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                allJoined = false;
            }
        }
        if (consolePump != null) consolePump.interrupt();
        // The socket file goes whatever happens to the vCPUs: a stale one would block the next VM.
        VmTeardown.closeQuietly(vsockSocket);
        if (!allJoined) return;
        // Device threads write guest RAM: they stop before it is unmapped.
        VmTeardown.closeQuietly(devices);
        for (int i = vcpuFds.size() - 1; i >= 0; i--) VmTeardown.closeQuietly(vcpuFds.get(i));
        // Unmapped here, so the memory is back when close() returns; KVM's MMU notifier drops the
        // slot's mappings. Only the VM fd's slow destruction is left to VmTeardown.
        VmTeardown.closeQuietly(ram);
        released = vmFd == null && kvm == null ? CompletableFuture.completedFuture(null)
                : VmTeardown.closeInBackground(java.util.Arrays.asList(vmFd, kvm));
    }

    /**
     * Waits until the kernel has destroyed this closed VM (its VM fd and /dev/kvm fd are closed):
     * {@link #close()} returns once nothing of the guest can run and its RAM is unmapped, and leaves
     * that last step, which waits for the kernel (VmTeardown), to a background thread. True when
     * released within {@code timeout}; false if still pending, or if the VM was never closed or
     * kept its resources because a vCPU would not stop.
     */
    public boolean awaitReleased(Duration timeout) throws InterruptedException {
        CompletableFuture<Void> r;
        synchronized (this) {
            r = released;
        }
        if (r == null) return false;
        try {
            r.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /**
     * Waits until every VM closed in this process has been released by the kernel (see
     * {@link #awaitReleased}); for a caller that counts file descriptors or wants the kernel memory
     * back. False on timeout.
     */
    public static boolean awaitAllReleased(Duration timeout) throws InterruptedException {
        return VmTeardown.awaitIdle(timeout.toNanos());
    }
}
