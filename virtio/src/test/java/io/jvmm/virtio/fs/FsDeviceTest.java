package io.jvmm.virtio.fs;

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
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FsDeviceTest {
    private final GuestMemory mem = TestMemory.of(1 << 20);
    private final DriverQueue hiprio = new DriverQueue(mem, 0x10000, 16);
    private final DriverQueue requests = new DriverQueue(mem, 0x40000, 16);
    private MmioTransport transport;
    private MmioDriver driver;
    private final List<String> seen = new CopyOnWriteArrayList<>();

    private void start(FsRequestHandler handler) {
        transport = new MmioTransport(
                new FsDevice("share", 1, handler),
                mem,
                List.of(new SimpleQueueEvent(), new SimpleQueueEvent()),
                () -> {});
        driver = new MmioDriver(transport);
        driver.start(VirtioFeatures.bit(VirtioFeatures.VIRTIO_F_RING_EVENT_IDX), hiprio, requests);
    }

    @AfterEach
    void close() {
        if (transport != null) transport.close();
    }

    private static DriverQueue.Used complete(MmioDriver driver, DriverQueue q, int index) {
        driver.notifyQueue(index);
        long deadline = System.nanoTime() + 5_000_000_000L;
        DriverQueue.Used u;
        while ((u = q.nextUsed()) == null) {
            assertTrue(System.nanoTime() < deadline, "request not completed");
            Thread.onSpinWait();
        }
        return u;
    }

    private static byte[] header(int len, int opcode, long unique) {
        return ByteBuffer.allocate(40)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(len)
                .putInt(opcode)
                .putLong(unique)
                .array();
    }

    @Test
    void configHoldsTagAndQueueCount() {
        start((in, out) -> 0);
        assertEquals(26, driver.read(MmioRegisters.DEVICE_ID));
        byte[] config = driver.readConfig(0, 40);
        assertEquals("share", new String(config, 0, 5, StandardCharsets.UTF_8));
        assertEquals(0, config[5]);
        assertEquals(
                1, ByteBuffer.wrap(config, 36, 4).order(ByteOrder.LITTLE_ENDIAN).getInt());
    }

    @Test
    void eachChainReachesTheHandlerSplitAsTheDriverSplitIt() {
        start((in, out) -> {
            long inLen = in.stream().mapToLong(MemorySegment::byteSize).sum();
            seen.add(in.size() + "/" + inLen + "/" + out.size());
            out.get(0).fill((byte) 7);
            return (int) out.get(0).byteSize();
        });
        Buf reply = requests.in(16);
        requests.add(requests.out(header(48, 1, 9)), requests.out(new byte[8]), reply, requests.in(100));
        DriverQueue.Used u = complete(driver, requests, 1);
        assertEquals(16, u.length());
        assertEquals(List.of("2/48/2"), seen);
        assertEquals(7, requests.read(reply)[15]);
    }

    @Test
    void hiprioQueueIsServedAndRepliesNothing() {
        start((in, out) -> {
            seen.add("forget");
            return 0;
        });
        hiprio.add(hiprio.out(header(48, 2, 3)), hiprio.out(new byte[8]));
        assertEquals(0, complete(driver, hiprio, 0).length());
        assertEquals(List.of("forget"), seen);
    }

    @Test
    void aThrowingHandlerIsAnsweredWithEioAndTheDeviceGoesOn() {
        start((in, out) -> {
            if (seen.add("x") && seen.size() == 1) throw new IllegalStateException("server bug");
            return 0;
        });
        Buf reply = requests.in(16);
        requests.add(requests.out(header(40, 3, 0x1122334455667788L)), reply);
        assertEquals(16, complete(driver, requests, 1).length());
        ByteBuffer h = ByteBuffer.wrap(requests.read(reply)).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(16, h.getInt());
        assertEquals(-5, h.getInt());
        assertEquals(0x1122334455667788L, h.getLong());
        requests.add(requests.out(header(40, 3, 1)), requests.in(16));
        assertEquals(0, complete(driver, requests, 1).length());
        assertEquals(0, driver.read(MmioRegisters.STATUS) & DeviceStatus.DEVICE_NEEDS_RESET);
    }

    @Test
    void aHandlerClaimingMoreThanTheReplyHoldsCountsAsNothing() {
        start((in, out) -> 1 << 20);
        requests.add(requests.out(header(40, 3, 1)), requests.in(16));
        assertEquals(0, complete(driver, requests, 1).length());
    }

    @Test
    void badTagsAndQueueCountsAreRefusedWithOneLine() {
        assertThrows(IllegalArgumentException.class, () -> new FsDevice("", 1, (in, out) -> 0));
        assertThrows(IllegalArgumentException.class, () -> new FsDevice("x".repeat(37), 1, (in, out) -> 0));
        assertThrows(IllegalArgumentException.class, () -> new FsDevice("a\0b", 1, (in, out) -> 0));
        assertThrows(IllegalArgumentException.class, () -> new FsDevice("t", 0, (in, out) -> 0));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new FsDevice("t", 17, (in, out) -> 0));
        assertFalse(e.getMessage().contains("\n"));
        FsDevice max = new FsDevice("x".repeat(36), 2, (in, out) -> 0);
        assertEquals(3, max.queueCount());
        MemorySegment c = MemorySegment.ofArray(new byte[40]);
        max.readConfig(0, c);
        assertEquals('x', c.get(ValueLayout.JAVA_BYTE, 35));
    }

    @Test
    void closeClosesTheHandler() {
        boolean[] closed = {false};
        FsDevice d = new FsDevice("t", 1, new FsRequestHandler() {
            @Override
            public int handle(List<MemorySegment> in, List<MemorySegment> out) {
                return 0;
            }

            @Override
            public void close() {
                closed[0] = true;
            }
        });
        d.close();
        assertTrue(closed[0]);
    }
}
