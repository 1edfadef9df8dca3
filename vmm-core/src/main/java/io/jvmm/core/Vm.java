package io.jvmm.core;

import io.jvmm.core.bus.Bus;
import io.jvmm.core.cpu.GuestProfile;
import io.jvmm.core.cpu.GuestSampler;
import io.jvmm.core.cpu.PauseGate;
import io.jvmm.core.cpu.VcpuThread;
import io.jvmm.core.devices.VirtioMmioDevices;
import io.jvmm.core.snapshot.MachineState;
import io.jvmm.core.snapshot.SnapshotException;
import io.jvmm.core.snapshot.SnapshotFile;
import io.jvmm.memory.GuestMemory;
import io.jvmm.virtio.blk.BlockDevice;
import io.jvmm.virtio.net.NetDevice;
import io.jvmm.virtio.vsock.VsockDevice;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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
 * <p>{@link VmBuilder} assembles the machine, this class runs it, and {@link VmPersistence} writes
 * and restores snapshots. The VM owns every native resource it opens (the /dev/kvm and VM fds, vCPU
 * fds and their kvm_run mappings, guest RAM, the devices' backends) and {@link #close()} releases
 * them in reverse order, after stopping the vCPU threads, even while a guest spins without ever exiting.
 */
public final class Vm implements AutoCloseable {
    /** Looked up on first use: System.getLogger bootstraps its logging backend (~10 ms at start-up). */
    private static final class Log {
        static final System.Logger LOG = System.getLogger(Vm.class.getName());
    }

    private static final long JOIN_MILLIS = 5_000;
    private static final long PAUSE_MILLIS = 5_000;

    private final VmConfig config;
    private final Machine m;
    private final LongAdder pioExits = new LongAdder();
    private final LongAdder mmioExits = new LongAdder();
    private final PauseGate gate = new PauseGate();
    private final GuestSampler sampler;
    private boolean paused;
    private boolean started;
    private boolean closed;
    private Thread consolePump;
    /** Completes when the VM fd and /dev/kvm fd are closed; set by close(). */
    private CompletableFuture<Void> released;

    Vm(VmConfig config, Machine machine) {
        this.config = config;
        this.m = machine;
        this.sampler = new GuestSampler(machine.exits::vcpus);
    }

    /**
     * Builds the VM: opens KVM, maps RAM, loads the kernel, creates and configures the vCPUs and
     * devices. Nothing runs until {@link #start()}. On failure everything already opened is released.
     */
    public static Vm create(VmConfig config) {
        return VmBuilder.boot(config);
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
        return VmBuilder.restore(dir, null, config);
    }

    /**
     * {@link #restore(Path, VmConfig)} with the snapshot's state already read (by a caller that
     * sized the config from it, {@link SnapshotFile#readState}), so it is read once.
     */
    public static Vm restore(Path dir, MachineState state, VmConfig config) {
        return VmBuilder.restore(dir, state, config);
    }

    /** Starts the vCPU threads (and the console input pump). Once only. */
    public synchronized void start() {
        if (closed) throw new IllegalStateException("VM is closed");
        if (started) throw new IllegalStateException("VM already started");
        started = true;
        List<VcpuThread> threads = new ArrayList<>();
        for (int i = 0; i < m.vcpuFds.size(); i++) {
            threads.add(
                    new VcpuThread(i, m.vcpuFds.get(i), m.pio, m.mmio, m.exits, pioExits, mmioExits, gate, sampler));
        }
        m.exits.watch(threads);
        if (config.consoleInput() != null) {
            consolePump = ConsolePump.start(config.consoleInput(), m.serial, m.exits::stopping);
        }
        for (VcpuThread t : threads) t.start();
    }

    /**
     * Starts sampling where the guest's vCPUs are, {@code hz} times a second (1 to 10,000), until
     * {@link #stopGuestProfile()}: a statistical profile of guest code taken from the VMM. Works
     * before {@link #start()} too (sampling begins with the first instruction).
     */
    public synchronized void startGuestProfile(int hz) {
        if (closed) throw new IllegalStateException("VM is closed");
        sampler.start(hz);
    }

    /**
     * Stops sampling and returns the profile; empty when it was never started. After {@link #close()},
     * which stops sampling, it still returns what was recorded.
     */
    public GuestProfile stopGuestProfile() {
        return sampler.stop();
    }

    /**
     * Pauses a running VM: every vCPU leaves KVM_RUN (its last instruction completed) and parks, and
     * every device finishes the request at hand and stops. {@link #resume()} continues exactly there.
     */
    public synchronized void pause() throws InterruptedException {
        if (!started || closed) throw new IllegalStateException("only a started VM can be paused");
        if (paused) return;
        List<VcpuThread> vcpus = m.exits.vcpus();
        gate.request();
        for (VcpuThread t : vcpus) t.kick();
        if (!gate.awaitParked(vcpus.size(), PAUSE_MILLIS)) {
            if (m.exits.stopping()) throw new IllegalStateException("the VM ended while pausing");
            gate.release();
            throw new IllegalStateException("the vCPUs did not stop within 5 s");
        }
        m.devices.pause();
        paused = true;
    }

    /** Continues a paused VM. */
    public synchronized void resume() {
        if (!paused) return;
        m.devices.resume();
        paused = false;
        gate.release();
    }

    public synchronized boolean isPaused() {
        return paused;
    }

    /**
     * Writes a paused VM to {@code dir} (created; must not hold a snapshot already): {@code memory},
     * guest RAM written sparsely, and {@code state}, versioned and checksummed (docs/snapshot.md).
     * The VM stays paused. Returns the bytes of RAM actually written.
     */
    public synchronized long snapshot(Path dir) {
        if (!paused) throw new IllegalStateException("pause the VM before taking a snapshot");
        return VmPersistence.snapshot(m, dir);
    }

    /** Asks the VM to stop; {@link #awaitExit()} then returns {@link VmExit.Stopped} (unless it had ended already). */
    public void stop(String why) {
        m.exits.end(new VmExit.Stopped(why));
    }

    /** Waits until the VM ends and returns why. */
    public VmExit awaitExit() throws InterruptedException {
        return m.exits.await();
    }

    /** Waits at most {@code timeout}; empty when the VM is still running. */
    public Optional<VmExit> awaitExit(Duration timeout) throws InterruptedException {
        return m.exits.await(timeout);
    }

    /** The exit reason if the VM has ended. */
    public Optional<VmExit> exitReason() {
        return m.exits.now();
    }

    /** Guest RAM, for embedders and tests that inspect what the guest wrote. */
    public GuestMemory memory() {
        return m.ram.memory();
    }

    /** The port-I/O bus: embedders may attach devices before {@link #start()}. */
    public Bus pioBus() {
        return m.pio;
    }

    /** The MMIO bus: embedders may attach devices before {@link #start()}. */
    public Bus mmioBus() {
        return m.mmio;
    }

    /** The virtio-mmio devices (windows, IRQs, transports), for embedders and tests. */
    public List<VirtioMmioDevices.Slot> virtioDevices() {
        return m.devices.slots();
    }

    /**
     * The vsock device's host side: {@code connect(guestPort, timeout)} and {@code listen(hostPort)}.
     * Throws when the VM has no vsock device.
     */
    public VsockDevice vsock() {
        if (m.vsock == null) throw new IllegalStateException("this VM has no vsock device (VmConfig.Builder.vsock)");
        return m.vsock;
    }

    /** The virtio-blk device of drive {@code id} (its live rate limit, counters), or empty. */
    public Optional<BlockDevice> drive(String id) {
        return Optional.ofNullable(m.drives.get(id));
    }

    /** The virtio-net device (its MAC, counters and backend), or empty. */
    public Optional<NetDevice> net() {
        return Optional.ofNullable(m.net);
    }

    /** Who models the interrupt controllers in this VM: {@link IrqChipMode#KERNEL} or {@link IrqChipMode#SPLIT}. */
    public IrqChipMode irqchip() {
        return m.ioapic != null ? IrqChipMode.SPLIT : IrqChipMode.KERNEL;
    }

    /** The complete kernel command line the guest was given. */
    public String kernelCmdline() {
        return m.kernelCmdline;
    }

    public VmConfig config() {
        return config;
    }

    /** Port-I/O exits handled so far, over all vCPUs. */
    public long pioExitCount() {
        return pioExits.sum();
    }

    /** MMIO exits handled so far, over all vCPUs. */
    public long mmioExitCount() {
        return mmioExits.sum();
    }

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
        sampler.stop(); // it kicks vCPUs through their kvm_run mappings, which release() unmaps
        m.exits.end(new VmExit.Stopped("closed"));
        gate.release(); // parked vCPUs of a paused VM leave at once instead of at their next check
        boolean allJoined = true;
        // end() has kicked every vCPU when the VM ended; kicking again here would only signal
        // threads already on their way out (and link sigaction for nothing).
        for (VcpuThread t : m.exits.vcpus()) {
            try {
                if (!t.join(JOIN_MILLIS)) {
                    allJoined = false;
                    Log.LOG.log(
                            Level.ERROR,
                            "a vCPU thread did not stop within {0} ms; leaking its resources",
                            JOIN_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                allJoined = false;
            }
        }
        if (consolePump != null) consolePump.interrupt();
        m.closeSocket();
        if (!allJoined) return;
        released = m.release();
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
