package io.jvmm.virtio.mmio;

import static io.jvmm.virtio.mmio.MmioRegisters.*;
import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.memory.GuestMemory;
import io.jvmm.virtio.DeviceContext;
import io.jvmm.virtio.DeviceStatus;
import io.jvmm.virtio.SimpleQueueEvent;
import io.jvmm.virtio.TestMemory;
import io.jvmm.virtio.VirtioDevice;
import io.jvmm.virtio.VirtioFeatures;
import io.jvmm.virtio.queue.DriverQueue;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MmioTransportTest {
    private static final long VERSION_1 = VirtioFeatures.bit(VirtioFeatures.VIRTIO_F_VERSION_1);
    private static final long EVENT_IDX = VirtioFeatures.bit(VirtioFeatures.VIRTIO_F_RING_EVENT_IDX);

    /** Two queues, 8 bytes of config with a writable second word, features VERSION_1|EVENT_IDX|bit 3. */
    static final class FakeDevice implements VirtioDevice {
        final byte[] config = {1, 2, 3, 4, 0, 0, 0, 0};
        DeviceContext context;
        int activations, resets;
        boolean closed;
        RuntimeException failActivate;

        @Override
        public int deviceType() {
            return 42;
        }

        @Override
        public String name() {
            return "fake";
        }

        @Override
        public long deviceFeatures() {
            return VERSION_1 | EVENT_IDX | (1L << 3);
        }

        @Override
        public int queueCount() {
            return 2;
        }

        @Override
        public int maxQueueSize(int index) {
            return index == 0 ? 64 : 16;
        }

        @Override
        public int configSize() {
            return config.length;
        }

        @Override
        public void readConfig(int offset, MemorySegment data) {
            MemorySegment.copy(MemorySegment.ofArray(config), offset, data, 0, data.byteSize());
        }

        @Override
        public void writeConfig(int offset, MemorySegment data) {
            if (offset >= 4) MemorySegment.copy(data, 0, MemorySegment.ofArray(config), offset, data.byteSize());
        }

        @Override
        public void activate(DeviceContext context) {
            if (failActivate != null) throw failActivate;
            this.context = context;
            activations++;
        }

        int pauses, resumes;

        @Override
        public void pause() {
            pauses++;
        }

        @Override
        public void resume() {
            resumes++;
        }

        @Override
        public void reset() {
            resets++;
            context = null;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private final GuestMemory mem = TestMemory.of(1 << 20);
    private final FakeDevice device = new FakeDevice();
    private final SimpleQueueEvent e0 = new SimpleQueueEvent(), e1 = new SimpleQueueEvent();
    private final AtomicInteger irqs = new AtomicInteger();
    private final MmioTransport transport = new MmioTransport(device, mem, List.of(e0, e1), irqs::incrementAndGet);
    private final MmioDriver driver = new MmioDriver(transport);
    private final DriverQueue q0 = new DriverQueue(mem, 0x10000, 64), q1 = new DriverQueue(mem, 0x40000, 16);

    @Test
    void identifiesAsModernDevice() {
        assertEquals(MAGIC, driver.read(MAGIC_VALUE));
        assertEquals(2, driver.read(VERSION));
        assertEquals(42, driver.read(DEVICE_ID));
        assertEquals(JVMM_VENDOR_ID, driver.read(VENDOR_ID));
        assertEquals(device.deviceFeatures(), driver.deviceFeatures());
        driver.write(DEVICE_FEATURES_SEL, 2);
        assertEquals(0, driver.read(DEVICE_FEATURES), "no features beyond bit 63");
        assertEquals(-1, driver.read(SHM_LEN_LOW), "no shared memory regions");
    }

    @Test
    void queueNumMaxPerQueue() {
        driver.write(QUEUE_SEL, 1);
        assertEquals(16, driver.read(QUEUE_NUM_MAX));
        driver.write(QUEUE_SEL, 2);
        assertEquals(0, driver.read(QUEUE_NUM_MAX), "a queue that does not exist");
    }

    @Test
    void fullStartActivatesWithNegotiatedFeatures() {
        driver.start(EVENT_IDX, q0, q1);
        int s = driver.read(STATUS);
        assertEquals(
                DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK | DeviceStatus.DRIVER_OK, s);
        assertEquals(1, device.activations);
        assertEquals(VERSION_1 | EVENT_IDX, device.context.features());
        assertEquals(2, device.context.queues().size());
        assertEquals(64, device.context.queue(0).size());
        assertEquals(16, device.context.queue(1).size());
        driver.write(QUEUE_SEL, 0);
        assertEquals(1, driver.read(QUEUE_READY));
        // A driver's reset (Linux resets every device at shutdown) clears the status, not the record.
        driver.write(STATUS, 0);
        assertEquals(0, driver.read(STATUS));
        assertEquals(1, transport.activations());
        assertEquals(0, transport.needsResetCount());
    }

    @Test
    void featuresNotOfferedAreRefused() {
        assertFalse(driver.negotiate(VERSION_1 | (1L << 4)));
        assertEquals(0, driver.read(STATUS) & DeviceStatus.FEATURES_OK);
    }

    @Test
    void legacyDriversAreRefused() {
        assertFalse(driver.negotiate(1L << 3), "without VIRTIO_F_VERSION_1");
    }

    @Test
    void featuresFreezeAtFeaturesOk() {
        assertTrue(driver.negotiate(VERSION_1));
        driver.write(DRIVER_FEATURES_SEL, 0);
        driver.write(DRIVER_FEATURES, (int) EVENT_IDX);
        driver.setupQueue(0, q0);
        driver.setupQueue(1, q1);
        driver.driverOk();
        assertEquals(VERSION_1, device.context.features());
    }

    @Test
    void driverOkWithoutFeaturesOkNeedsReset() {
        driver.write(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        driver.write(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.DRIVER_OK);
        assertNotEquals(0, driver.read(STATUS) & DeviceStatus.DEVICE_NEEDS_RESET);
        assertEquals(0, device.activations);
        assertEquals(1, transport.needsResetCount());
        assertEquals(0, transport.activations());
    }

    @Test
    void queueNotReadyAtDriverOkNeedsReset() {
        assertTrue(driver.negotiate(VERSION_1));
        driver.setupQueue(0, q0);
        driver.driverOk();
        assertNotEquals(0, driver.read(STATUS) & DeviceStatus.DEVICE_NEEDS_RESET);
        assertEquals(0, device.activations);
        assertEquals(MmioRegisters.INT_CONFIG, driver.read(INTERRUPT_STATUS));
        assertEquals(1, irqs.get());
        assertEquals(1, transport.needsResetCount());
    }

    @Test
    void oversizedQueueNeedsReset() {
        assertTrue(driver.negotiate(VERSION_1));
        driver.setupQueue(0, q0);
        driver.setupQueue(1, new DriverQueue(mem, 0x80000, 32)); // max is 16
        driver.driverOk();
        assertNotEquals(0, driver.read(STATUS) & DeviceStatus.DEVICE_NEEDS_RESET);
    }

    @Test
    void ringOutsideGuestMemoryNeedsReset() {
        assertTrue(driver.negotiate(VERSION_1));
        driver.setupQueue(0, q0);
        driver.write(QUEUE_SEL, 1);
        driver.write(QUEUE_NUM, 16);
        driver.write(QUEUE_DESC_LOW, 0);
        driver.write(QUEUE_DESC_HIGH, 1); // 4 GiB: beyond the 1 MiB of RAM
        driver.write(QUEUE_READY, 1);
        driver.driverOk();
        assertNotEquals(0, driver.read(STATUS) & DeviceStatus.DEVICE_NEEDS_RESET);
        assertEquals(0, device.activations);
    }

    @Test
    void notPowerOfTwoQueueSizeNeedsReset() {
        assertTrue(driver.negotiate(VERSION_1));
        driver.setupQueue(0, q0);
        driver.setupQueue(1, q1);
        driver.write(QUEUE_SEL, 1);
        // Ready queues are frozen: the write is dropped, so the queue stays valid.
        driver.write(QUEUE_NUM, 12);
        driver.driverOk();
        assertEquals(0, driver.read(STATUS) & DeviceStatus.DEVICE_NEEDS_RESET);
        assertEquals(16, device.context.queue(1).size());
    }

    @Test
    void activationFailureNeedsReset() {
        device.failActivate = new IllegalStateException("backend gone");
        driver.start(0, q0, q1);
        assertNotEquals(0, driver.read(STATUS) & DeviceStatus.DEVICE_NEEDS_RESET);
    }

    @Test
    void notifyWakesTheQueueEvent() {
        driver.start(0, q0, q1);
        driver.notifyQueue(1);
        assertEquals(0, e0.signals());
        assertEquals(1, e1.signals());
        driver.notifyQueue(7); // ignored
        assertEquals(1, e1.signals());
    }

    @Test
    void interruptStatusAndAck() {
        driver.start(0, q0, q1);
        device.context.interrupt().signalUsedBuffer(0);
        device.context.interrupt().signalConfigChange();
        assertEquals(INT_USED_RING | INT_CONFIG, driver.read(INTERRUPT_STATUS));
        assertEquals(2, irqs.get());
        driver.write(INTERRUPT_ACK, INT_USED_RING);
        assertEquals(INT_CONFIG, driver.read(INTERRUPT_STATUS));
    }

    @Test
    void configGenerationChangesWithConfig() {
        int g = driver.read(CONFIG_GENERATION);
        driver.start(0, q0, q1);
        device.context.interrupt().signalConfigChange();
        assertNotEquals(g, driver.read(CONFIG_GENERATION));
    }

    @Test
    void configReadsAndWritesAreBounded() {
        assertArrayEquals(new byte[] {2, 3}, driver.readConfig(1, 2));
        assertArrayEquals(new byte[4], driver.readConfig(6, 4), "runs past the end: zeroes");
        MemorySegment w = MemorySegment.ofArray(new byte[] {9, 9});
        transport.write(CONFIG + 4, w);
        transport.write(CONFIG + 7, w); // past the end: dropped
        assertArrayEquals(new byte[] {1, 2, 3, 4, 9, 9, 0, 0}, device.config);
    }

    @Test
    void narrowRegisterAccessIsIgnored() {
        MemorySegment b = MemorySegment.ofArray(new byte[2]);
        b.fill((byte) 0x55);
        transport.read(MAGIC_VALUE, b);
        assertArrayEquals(new byte[2], b.toArray(ValueLayout.JAVA_BYTE));
        transport.write(STATUS, MemorySegment.ofArray(new byte[] {1, 0}));
        assertEquals(0, driver.read(STATUS));
    }

    @Test
    void clearingStatusBitsNeedsAReset() {
        driver.write(STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        driver.write(STATUS, DeviceStatus.ACKNOWLEDGE);
        assertEquals(DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER, driver.read(STATUS));
    }

    @Test
    void resetStopsTheDeviceAndClearsTheRegisters() {
        driver.start(EVENT_IDX, q0, q1);
        device.context.interrupt().signalUsedBuffer(0);
        driver.write(STATUS, 0);
        assertEquals(1, device.resets);
        assertEquals(0, driver.read(STATUS));
        assertEquals(0, driver.read(INTERRUPT_STATUS));
        driver.write(QUEUE_SEL, 0);
        assertEquals(0, driver.read(QUEUE_READY));
        driver.start(0, q0, q1);
        assertEquals(2, device.activations);
        assertEquals(VERSION_1, device.context.features(), "features from before the reset are gone");
    }

    @Test
    void closeClosesTheDevice() {
        driver.start(0, q0, q1);
        transport.close();
        assertTrue(device.closed);
    }

    @Test
    void eventCountMustMatchQueues() {
        assertThrows(IllegalArgumentException.class, () -> new MmioTransport(device, mem, List.of(e0), () -> {}));
    }
}
