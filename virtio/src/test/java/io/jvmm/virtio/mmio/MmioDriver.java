package io.jvmm.virtio.mmio;

import static io.jvmm.virtio.mmio.MmioRegisters.*;

import io.jvmm.virtio.DeviceStatus;
import io.jvmm.virtio.VirtioFeatures;
import io.jvmm.virtio.queue.DriverQueue;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Drives a {@link MmioTransport} the way Linux's virtio_mmio.c does, for tests. */
public final class MmioDriver {
    private final MmioTransport transport;

    public MmioDriver(MmioTransport transport) {
        this.transport = transport;
    }

    public int read(int offset) {
        MemorySegment d = Arena.ofAuto().allocate(4);
        transport.read(offset, d);
        return d.get(ValueLayout.JAVA_INT_UNALIGNED, 0);
    }

    public void write(int offset, int value) {
        MemorySegment d = Arena.ofAuto().allocate(4);
        d.set(ValueLayout.JAVA_INT_UNALIGNED, 0, value);
        transport.write(offset, d);
    }

    public long deviceFeatures() {
        write(DEVICE_FEATURES_SEL, 0);
        long lo = Integer.toUnsignedLong(read(DEVICE_FEATURES));
        write(DEVICE_FEATURES_SEL, 1);
        return lo | ((long) read(DEVICE_FEATURES) << 32);
    }

    /** Reset, ACKNOWLEDGE, DRIVER, features; returns whether the device kept FEATURES_OK. */
    public boolean negotiate(long features) {
        write(STATUS, 0);
        write(STATUS, DeviceStatus.ACKNOWLEDGE);
        write(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        write(DRIVER_FEATURES_SEL, 0);
        write(DRIVER_FEATURES, (int) features);
        write(DRIVER_FEATURES_SEL, 1);
        write(DRIVER_FEATURES, (int) (features >>> 32));
        write(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK);
        return (read(STATUS) & DeviceStatus.FEATURES_OK) != 0;
    }

    public void setupQueue(int index, DriverQueue q) {
        write(QUEUE_SEL, index);
        write(QUEUE_NUM, q.config().size());
        write(QUEUE_DESC_LOW, (int) q.config().descTable());
        write(QUEUE_DESC_HIGH, (int) (q.config().descTable() >>> 32));
        write(QUEUE_DRIVER_LOW, (int) q.config().availRing());
        write(QUEUE_DRIVER_HIGH, (int) (q.config().availRing() >>> 32));
        write(QUEUE_DEVICE_LOW, (int) q.config().usedRing());
        write(QUEUE_DEVICE_HIGH, (int) (q.config().usedRing() >>> 32));
        write(QUEUE_READY, 1);
    }

    public void driverOk() {
        write(STATUS, read(STATUS) | DeviceStatus.DRIVER_OK);
    }

    /** The whole sequence: negotiate {@code features} (plus VERSION_1), set up the queues, DRIVER_OK. */
    public void start(long features, DriverQueue... queues) {
        if (!negotiate(features | VirtioFeatures.bit(VirtioFeatures.VIRTIO_F_VERSION_1))) {
            throw new IllegalStateException("device refused features 0x" + Long.toHexString(features));
        }
        for (int i = 0; i < queues.length; i++) setupQueue(i, queues[i]);
        driverOk();
    }

    public void notifyQueue(int index) {
        write(QUEUE_NOTIFY, index);
    }

    public byte[] readConfig(int offset, int len) {
        MemorySegment d = Arena.ofAuto().allocate(len);
        transport.read(CONFIG + offset, d);
        return d.toArray(ValueLayout.JAVA_BYTE);
    }
}
