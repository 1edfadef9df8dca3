package io.jvmm.virtio.mmio;

import static io.jvmm.virtio.mmio.MmioRegisters.*;

import io.jvmm.memory.GuestMemory;
import io.jvmm.virtio.DeviceContext;
import io.jvmm.virtio.DeviceStatus;
import io.jvmm.virtio.InterruptLine;
import io.jvmm.virtio.QueueEvent;
import io.jvmm.virtio.RateLimitedLog;
import io.jvmm.virtio.VirtioDevice;
import io.jvmm.virtio.VirtioFeatures;
import io.jvmm.virtio.VirtioInterrupt;
import io.jvmm.virtio.VirtioProtocolException;
import io.jvmm.virtio.queue.QueueConfig;
import io.jvmm.virtio.queue.Virtqueue;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The virtio-mmio version 2 register file of one device (virtio 1.2 section 4.2): feature
 * negotiation, device status, queue configuration, interrupt status, configuration space. It checks
 * what the driver configured and activates the {@link VirtioDevice} at DRIVER_OK.
 *
 * <p>Threads: register accesses come from vCPU threads and are serialized by this object's lock.
 * Device threads only touch the interrupt status and the NEEDS_RESET bit, which are atomics, so a
 * reset (which waits for the device threads) can never deadlock with them.
 */
public final class MmioTransport implements VirtioInterrupt {
    private static final RateLimitedLog LOG = RateLimitedLog.of(MmioTransport.class);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final VirtioDevice device;
    private final GuestMemory memory;
    private final List<QueueEvent> events;
    private final InterruptLine line;
    private final QueueRegs[] queues;

    private final AtomicInteger status = new AtomicInteger();
    private final AtomicInteger interruptStatus = new AtomicInteger();
    private final AtomicInteger configGeneration = new AtomicInteger();
    private final AtomicInteger activations = new AtomicInteger();
    private final AtomicInteger needsResets = new AtomicInteger();
    private int deviceFeaturesSel;
    private int driverFeaturesSel;
    private long driverFeatures;
    private int queueSel;
    private boolean active;
    /** The queues handed to the device at DRIVER_OK, for snapshots. */
    private List<Virtqueue> activeQueues = List.of();

    /** The driver-written registers of one queue. */
    private static final class QueueRegs {
        int num;
        boolean ready;
        long desc, driver, device;
    }

    /**
     * @param events one per queue of {@code device}: the transport signals them on QueueNotify writes
     *               (when KVM's ioeventfd does not catch those first)
     * @param line   the device's interrupt input
     */
    public MmioTransport(VirtioDevice device, GuestMemory memory, List<QueueEvent> events, InterruptLine line) {
        this.device = Objects.requireNonNull(device, "device");
        this.memory = Objects.requireNonNull(memory, "memory");
        this.events = List.copyOf(events);
        this.line = Objects.requireNonNull(line, "line");
        if (this.events.size() != device.queueCount()) {
            throw new IllegalArgumentException(
                    device.name() + ": " + device.queueCount() + " queues but " + this.events.size() + " queue events");
        }
        this.queues = new QueueRegs[device.queueCount()];
        for (int i = 0; i < queues.length; i++) queues[i] = new QueueRegs();
    }

    public VirtioDevice device() {
        return device;
    }

    /** The device status register, as the driver would read it. */
    public int status() {
        return status.get();
    }

    /**
     * How often a driver started the device (DRIVER_OK accepted). Unlike {@link #status()} it outlives a
     * driver's reset, which Linux does to every virtio device when it shuts down (6.1.1xx and later).
     */
    public int activations() {
        return activations.get();
    }

    /** How often the device set NEEDS_RESET (a guest protocol error or a backend failure). */
    public int needsResetCount() {
        return needsResets.get();
    }

    /** A read of {@code data.byteSize()} bytes at {@code offset} in the window. */
    public void read(long offset, MemorySegment data) {
        int width = (int) data.byteSize();
        if (offset >= CONFIG) {
            readConfig(offset - CONFIG, data);
            return;
        }
        if (width != 4 || (offset & 3) != 0) {
            LOG.log(
                    Level.DEBUG,
                    "{0}: {1}-byte read of register 0x{2} ignored (registers are 32-bit)",
                    device.name(),
                    width,
                    Long.toHexString(offset));
            data.fill((byte) 0);
            return;
        }
        data.set(U32, 0, readRegister((int) offset));
    }

    private synchronized int readRegister(int offset) {
        return switch (offset) {
            case MAGIC_VALUE -> MAGIC;
            case VERSION -> VERSION_2;
            case DEVICE_ID -> device.deviceType();
            case VENDOR_ID -> JVMM_VENDOR_ID;
            case DEVICE_FEATURES ->
                deviceFeaturesSel == 0
                        ? (int) device.deviceFeatures()
                        : deviceFeaturesSel == 1 ? (int) (device.deviceFeatures() >>> 32) : 0;
            case QUEUE_NUM_MAX -> queueSel >= 0 && queueSel < queues.length ? device.maxQueueSize(queueSel) : 0;
            case QUEUE_READY -> queueSel >= 0 && queueSel < queues.length && queues[queueSel].ready ? 1 : 0;
            case INTERRUPT_STATUS -> interruptStatus.get();
            case STATUS -> status.get();
            case SHM_LEN_LOW, SHM_LEN_HIGH -> -1; // no shared memory regions: length ~0 means "none"
            case CONFIG_GENERATION -> configGeneration.get();
            default -> 0;
        };
    }

    private void readConfig(long offset, MemorySegment data) {
        if (offset + data.byteSize() > device.configSize()) {
            data.fill((byte) 0);
            return;
        }
        synchronized (this) {
            device.readConfig((int) offset, data);
        }
    }

    /** A write of {@code data.byteSize()} bytes at {@code offset} in the window. */
    public void write(long offset, MemorySegment data) {
        int width = (int) data.byteSize();
        if (offset >= CONFIG) {
            if (offset - CONFIG + width <= device.configSize()) {
                synchronized (this) {
                    device.writeConfig((int) (offset - CONFIG), data);
                }
            }
            return;
        }
        if (width != 4 || (offset & 3) != 0) {
            LOG.log(
                    Level.DEBUG,
                    "{0}: {1}-byte write to register 0x{2} ignored (registers are 32-bit)",
                    device.name(),
                    width,
                    Long.toHexString(offset));
            return;
        }
        int value = data.get(U32, 0);
        if (offset == QUEUE_NOTIFY) {
            notifyQueue(value);
            return;
        }
        writeRegister((int) offset, value);
    }

    private void notifyQueue(int index) {
        if (index >= 0 && index < events.size()) events.get(index).signal();
        else LOG.log(Level.DEBUG, "{0}: notify of queue {1}, which does not exist", device.name(), index);
    }

    private synchronized void writeRegister(int offset, int value) {
        switch (offset) {
            case DEVICE_FEATURES_SEL -> deviceFeaturesSel = value;
            case DRIVER_FEATURES_SEL -> driverFeaturesSel = value;
            case DRIVER_FEATURES -> writeDriverFeatures(value);
            case QUEUE_SEL -> queueSel = value;
            case QUEUE_NUM -> queueRegs().num = value;
            case QUEUE_READY -> {
                QueueRegs q = selectedQueue();
                if (q != null) q.ready = value == 1;
            }
            case QUEUE_DESC_LOW -> queueRegs().desc = low(queueRegs().desc, value);
            case QUEUE_DESC_HIGH -> queueRegs().desc = high(queueRegs().desc, value);
            case QUEUE_DRIVER_LOW -> queueRegs().driver = low(queueRegs().driver, value);
            case QUEUE_DRIVER_HIGH -> queueRegs().driver = high(queueRegs().driver, value);
            case QUEUE_DEVICE_LOW -> queueRegs().device = low(queueRegs().device, value);
            case QUEUE_DEVICE_HIGH -> queueRegs().device = high(queueRegs().device, value);
            case INTERRUPT_ACK -> interruptStatus.getAndUpdate(s -> s & ~value);
            case STATUS -> writeStatus(value);
            case SHM_SEL -> {} // no shared memory regions to select
            default ->
                LOG.log(
                        Level.DEBUG,
                        "{0}: write to read-only or unknown register 0x{1}",
                        device.name(),
                        Integer.toHexString(offset));
        }
    }

    private static long low(long old, int v) {
        return (old & 0xffff_ffff_0000_0000L) | Integer.toUnsignedLong(v);
    }

    private static long high(long old, int v) {
        return (old & 0xffff_ffffL) | ((long) v << 32);
    }

    /** The selected queue's registers while the driver may still change them, else a scratch copy. */
    private QueueRegs queueRegs() {
        QueueRegs q = selectedQueue();
        // A configured (ready) queue is frozen: 4.2.3.2 forbids changing it, so writes are dropped.
        return q == null || q.ready ? new QueueRegs() : q;
    }

    private QueueRegs selectedQueue() {
        if (queueSel < 0 || queueSel >= queues.length) return null;
        return (status.get() & DeviceStatus.DRIVER_OK) != 0 ? null : queues[queueSel];
    }

    private void writeDriverFeatures(int value) {
        if ((status.get() & DeviceStatus.FEATURES_OK) != 0) return; // frozen once FEATURES_OK is set
        if (driverFeaturesSel == 0)
            driverFeatures = (driverFeatures & 0xffff_ffff_0000_0000L) | Integer.toUnsignedLong(value);
        else if (driverFeaturesSel == 1) driverFeatures = (driverFeatures & 0xffff_ffffL) | ((long) value << 32);
    }

    private void writeStatus(int value) {
        if (value == 0) {
            reset();
            return;
        }
        int old = status.get();
        int added = value & ~old;
        if ((value & old) != old) {
            // Clearing bits other than by a reset is not allowed (2.1.2); keep the old ones.
            LOG.log(
                    Level.DEBUG,
                    "{0}: driver tried to clear status bits 0x{1}",
                    device.name(),
                    Integer.toHexString(old & ~value));
        }
        int next = old | value;
        if ((added & DeviceStatus.FEATURES_OK) != 0 && !featuresAcceptable()) next &= ~DeviceStatus.FEATURES_OK;
        if ((added & DeviceStatus.DRIVER_OK) != 0) {
            if ((next & DeviceStatus.FEATURES_OK) == 0) {
                next = next & ~DeviceStatus.DRIVER_OK | DeviceStatus.DEVICE_NEEDS_RESET;
                needsResets.incrementAndGet();
                LOG.log(Level.WARNING, "{0}: DRIVER_OK without FEATURES_OK", device.name());
            } else {
                status.set(next);
                activate();
                return;
            }
        }
        status.set(next);
    }

    /** The driver may accept only what the device offered, and a modern device needs VERSION_1. */
    private boolean featuresAcceptable() {
        long offered = device.deviceFeatures();
        if ((driverFeatures & ~offered) != 0) {
            LOG.log(
                    Level.WARNING,
                    "{0}: driver accepted features 0x{1} the device did not offer",
                    device.name(),
                    Long.toHexString(driverFeatures & ~offered));
            return false;
        }
        if (!VirtioFeatures.has(driverFeatures, VirtioFeatures.VIRTIO_F_VERSION_1)) {
            LOG.log(
                    Level.WARNING,
                    "{0}: driver did not accept VIRTIO_F_VERSION_1 (legacy drivers are not supported)",
                    device.name());
            return false;
        }
        return true;
    }

    private void activate() {
        boolean eventIdx = VirtioFeatures.has(driverFeatures, VirtioFeatures.VIRTIO_F_RING_EVENT_IDX);
        boolean indirect = VirtioFeatures.has(driverFeatures, VirtioFeatures.VIRTIO_F_RING_INDIRECT_DESC);
        try {
            List<Virtqueue> vqs = new ArrayList<>(queues.length);
            for (int i = 0; i < queues.length; i++) {
                QueueRegs q = queues[i];
                if (!q.ready) throw new VirtioProtocolException("queue " + i + " was not made ready before DRIVER_OK");
                if (q.num > device.maxQueueSize(i)) {
                    throw new VirtioProtocolException(
                            "queue " + i + " size " + q.num + " exceeds QueueNumMax " + device.maxQueueSize(i));
                }
                vqs.add(Virtqueue.create(
                        memory, new QueueConfig(q.num, q.desc, q.driver, q.device), eventIdx, indirect));
            }
            device.activate(new DeviceContext(memory, driverFeatures, vqs, events, this, this::needsReset));
            activeQueues = List.copyOf(vqs);
            active = true;
            activations.incrementAndGet();
        } catch (RuntimeException e) {
            needsReset(e.getMessage());
        }
    }

    /** The device cannot go on until the driver resets it (2.1.2): NEEDS_RESET plus a config interrupt. */
    private void needsReset(String why) {
        LOG.log(Level.WARNING, "{0}: needs reset: {1}", device.name(), why);
        int cur = status.get();
        if ((cur & DeviceStatus.DEVICE_NEEDS_RESET) != 0) return;
        needsResets.incrementAndGet();
        boolean notify = (cur & DeviceStatus.DRIVER_OK) != 0;
        // The config-change cause is in InterruptStatus before NEEDS_RESET shows, so a driver that
        // sees the status also finds the reason for the interrupt.
        if (notify) {
            configGeneration.incrementAndGet();
            interruptStatus.getAndUpdate(s -> s | INT_CONFIG);
        }
        status.getAndUpdate(s -> s | DeviceStatus.DEVICE_NEEDS_RESET);
        if (notify) line.trigger();
    }

    private void reset() {
        if (active) device.reset();
        active = false;
        activeQueues = List.of();
        status.set(0);
        interruptStatus.set(0);
        deviceFeaturesSel = driverFeaturesSel = queueSel = 0;
        driverFeatures = 0;
        for (int i = 0; i < queues.length; i++) queues[i] = new QueueRegs();
    }

    // ---- pause, snapshot, restore ----

    /** One queue's driver-written registers and, once active, the device's ring positions. */
    public record QueueState(
            int num, boolean ready, long desc, long driver, long device, int nextAvail, int nextUsed) {}

    /** Everything the register file holds: with the guest's RAM it is the device's transport state. */
    public record State(
            int status,
            long driverFeatures,
            int deviceFeaturesSel,
            int driverFeaturesSel,
            int queueSel,
            int interruptStatus,
            int configGeneration,
            List<QueueState> queues) {}

    /** Stops the device's threads, keeping every register and ring position (see {@link VirtioDevice#pause()}). */
    public synchronized void pause() {
        device.pause();
    }

    public synchronized void resume() {
        device.resume();
    }

    /** The register file and ring positions; take it while paused so the positions hold still. */
    public synchronized State state() {
        List<QueueState> qs = new ArrayList<>();
        for (int i = 0; i < queues.length; i++) {
            QueueRegs q = queues[i];
            Virtqueue vq = i < activeQueues.size() ? activeQueues.get(i) : null;
            qs.add(new QueueState(
                    q.num,
                    q.ready,
                    q.desc,
                    q.driver,
                    q.device,
                    vq == null ? 0 : vq.nextAvail(),
                    vq == null ? 0 : vq.nextUsed()));
        }
        return new State(
                status.get(),
                driverFeatures,
                deviceFeaturesSel,
                driverFeaturesSel,
                queueSel,
                interruptStatus.get(),
                configGeneration.get(),
                List.copyOf(qs));
    }

    /**
     * Puts a fresh transport into {@code s} (from {@link #state()} of the same kind of device): the
     * registers, and for a device the driver had started, its queues at their ring positions, with the
     * device activated on them. Throws {@link VirtioProtocolException} when the state does not fit
     * this device or this guest memory.
     */
    public synchronized void restore(State s) {
        if (s.queues().size() != queues.length) {
            throw new VirtioProtocolException(
                    device.name() + ": snapshot has " + s.queues().size() + " queues, the device has " + queues.length);
        }
        if ((s.driverFeatures() & ~device.deviceFeatures()) != 0) {
            throw new VirtioProtocolException(device.name() + ": snapshot's features 0x"
                    + Long.toHexString(s.driverFeatures()) + " are not all offered by this device (0x"
                    + Long.toHexString(device.deviceFeatures()) + ")");
        }
        reset();
        driverFeatures = s.driverFeatures();
        deviceFeaturesSel = s.deviceFeaturesSel();
        driverFeaturesSel = s.driverFeaturesSel();
        queueSel = s.queueSel();
        for (int i = 0; i < queues.length; i++) {
            QueueState q = s.queues().get(i);
            QueueRegs r = queues[i];
            r.num = q.num();
            r.ready = q.ready();
            r.desc = q.desc();
            r.driver = q.driver();
            r.device = q.device();
        }
        interruptStatus.set(s.interruptStatus());
        configGeneration.set(s.configGeneration());
        status.set(s.status());
        if ((s.status() & DeviceStatus.DRIVER_OK) != 0 && (s.status() & DeviceStatus.DEVICE_NEEDS_RESET) == 0) {
            boolean eventIdx = VirtioFeatures.has(driverFeatures, VirtioFeatures.VIRTIO_F_RING_EVENT_IDX);
            boolean indirect = VirtioFeatures.has(driverFeatures, VirtioFeatures.VIRTIO_F_RING_INDIRECT_DESC);
            List<Virtqueue> vqs = new ArrayList<>(queues.length);
            for (int i = 0; i < queues.length; i++) {
                QueueState q = s.queues().get(i);
                vqs.add(Virtqueue.restore(
                        memory,
                        new QueueConfig(q.num(), q.desc(), q.driver(), q.device()),
                        eventIdx,
                        indirect,
                        q.nextAvail(),
                        q.nextUsed()));
            }
            device.activate(new DeviceContext(memory, driverFeatures, vqs, events, this, this::needsReset));
            activeQueues = List.copyOf(vqs);
            active = true;
        }
    }

    /** Stops the device (VM shutdown); the transport is unusable afterwards. */
    public synchronized void close() {
        active = false;
        device.close();
    }

    @Override
    public void signalUsedBuffer(int queue) {
        interruptStatus.getAndUpdate(s -> s | INT_USED_RING);
        line.trigger();
    }

    @Override
    public void signalConfigChange() {
        configGeneration.incrementAndGet();
        interruptStatus.getAndUpdate(s -> s | INT_CONFIG);
        line.trigger();
    }
}
