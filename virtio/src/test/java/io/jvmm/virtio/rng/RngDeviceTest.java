package io.jvmm.virtio.rng;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.memory.GuestMemory;
import io.jvmm.virtio.DeviceStatus;
import io.jvmm.virtio.SimpleQueueEvent;
import io.jvmm.virtio.TestMemory;
import io.jvmm.virtio.VirtioFeatures;
import io.jvmm.virtio.mmio.MmioDriver;
import io.jvmm.virtio.mmio.MmioRegisters;
import io.jvmm.virtio.mmio.MmioTransport;
import io.jvmm.virtio.queue.DriverQueue;
import io.jvmm.virtio.queue.DriverQueue.Buf;
import io.jvmm.virtio.queue.Virtqueue;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RngDeviceTest {
    private final GuestMemory mem = TestMemory.of(1 << 20);
    private final DriverQueue q = new DriverQueue(mem, 0x10000, 16);
    private MmioTransport transport;
    private MmioDriver driver;

    private void start(EntropySource source, long features) {
        transport = new MmioTransport(new RngDevice(source), mem, List.of(new SimpleQueueEvent()), () -> {});
        driver = new MmioDriver(transport);
        driver.start(features, q);
    }

    @AfterEach
    void close() {
        if (transport != null) transport.close();
    }

    private DriverQueue.Used complete() {
        driver.notifyQueue(0);
        long deadline = System.nanoTime() + 5_000_000_000L;
        DriverQueue.Used u;
        while ((u = q.nextUsed()) == null) {
            assertTrue(System.nanoTime() < deadline, "request not completed");
            Thread.onSpinWait();
        }
        return u;
    }

    @Test
    void isAnRngDevice() throws IOException {
        start(HostEntropy.open(), 0);
        assertEquals(4, driver.read(MmioRegisters.DEVICE_ID));
    }

    @Test
    void fillsEveryWritableByte() throws IOException {
        start(HostEntropy.open(), VirtioFeatures.bit(VirtioFeatures.VIRTIO_F_RING_EVENT_IDX));
        Buf a = q.in(3000), b = q.in(1096);
        q.add(a, b);
        DriverQueue.Used u = complete();
        assertEquals(4096, u.length());
        Set<Byte> distinct = new HashSet<>();
        for (byte x : q.read(a)) distinct.add(x);
        for (byte x : q.read(b)) distinct.add(x);
        assertTrue(distinct.size() > 200, "4 KiB of entropy has most byte values: " + distinct.size());
    }

    @Test
    void largeRequestsAreCapped() {
        start(dst -> dst.fill((byte) 7), 0);
        Buf big = q.in(RngDevice.MAX_BYTES_PER_REQUEST + 4096);
        q.add(big);
        assertEquals(RngDevice.MAX_BYTES_PER_REQUEST, complete().length());
        assertEquals(7, q.read(big)[RngDevice.MAX_BYTES_PER_REQUEST - 1]);
        assertEquals((byte) 0xee, q.read(big)[RngDevice.MAX_BYTES_PER_REQUEST]);
    }

    @Test
    void readableBuffersGetNothing() {
        start(dst -> dst.fill((byte) 7), 0);
        q.add(q.out(new byte[64]));
        assertEquals(0, complete().length());
    }

    @Test
    void aLoopingChainIsRefusedAndLaterRequestsAreServed() {
        start(dst -> dst.fill((byte) 7), 0);
        long buf = q.alloc(64);
        q.writeDesc(0, buf, 64, Virtqueue.VIRTQ_DESC_F_WRITE | Virtqueue.VIRTQ_DESC_F_NEXT, 0);
        q.publish(0); // descriptor 0 names itself as next: a loop
        assertEquals(0, complete().length(), "refused, returned empty");
        Buf ok = q.in(16);
        q.add(ok);
        assertEquals(16, complete().length());
        assertEquals(7, q.read(ok)[15]);
    }

    @Test
    void aBrokenRingNeedsAResetAndTheDeviceServesAgainAfterIt() {
        start(dst -> dst.fill((byte) 7), 0);
        q.setAvailIdx(1000); // far ahead of a 16-entry ring
        driver.notifyQueue(0);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while ((driver.read(MmioRegisters.STATUS) & DeviceStatus.DEVICE_NEEDS_RESET) == 0) {
            assertTrue(System.nanoTime() < deadline, "DEVICE_NEEDS_RESET not set");
            Thread.onSpinWait();
        }
        DriverQueue fresh = new DriverQueue(mem, 0x40000, 16);
        driver.start(0, fresh); // reset and set up again, as a driver does
        Buf b = fresh.in(32);
        fresh.add(b);
        driver.notifyQueue(0);
        deadline = System.nanoTime() + 5_000_000_000L;
        DriverQueue.Used u;
        while ((u = fresh.nextUsed()) == null) {
            assertTrue(System.nanoTime() < deadline, "not served after the reset");
            Thread.onSpinWait();
        }
        assertEquals(32, u.length());
    }
}
