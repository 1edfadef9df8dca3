package io.jvmm.virtio.blk;

import static io.jvmm.virtio.blk.BlockConstants.*;
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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** virtio-blk end to end through the mmio transport, with the test playing Linux's driver. */
class BlockDeviceTest {
    private static final int DISK = 64 * 1024; // 128 sectors
    private final GuestMemory mem = TestMemory.of(4 << 20);
    private final DriverQueue q = new DriverQueue(mem, 0x10000, 64);
    private final SimpleQueueEvent event = new SimpleQueueEvent();
    private final AtomicInteger irqs = new AtomicInteger();
    private MemoryBlockBackend disk;
    private BlockDevice device;
    private MmioTransport transport;
    private MmioDriver driver;

    private void start(boolean readOnly, boolean discard, long features) {
        disk = new MemoryBlockBackend(DISK, readOnly, discard);
        for (int i = 0; i < DISK; i++) disk.data[i] = (byte) (i * 7 + (i >> 9));
        device = new BlockDevice("vda", disk);
        transport = new MmioTransport(device, mem, List.of(event), irqs::incrementAndGet);
        driver = new MmioDriver(transport);
        driver.start(features, q);
    }

    private void start() {
        start(false, true, 0);
    }

    @AfterEach
    void close() {
        if (transport != null) transport.close();
    }

    private static byte[] header(int type, long sector) {
        return ByteBuffer.allocate(HEADER_SIZE)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putInt(type)
                .putInt(0)
                .putLong(sector)
                .array();
    }

    private static byte[] segment(long sector, int sectors, int flags) {
        return ByteBuffer.allocate(SEGMENT_SIZE)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(sector)
                .putInt(sectors)
                .putInt(flags)
                .array();
    }

    /** Notifies and waits for the next used entry. */
    private DriverQueue.Used complete(int head) {
        driver.notifyQueue(0);
        long deadline = System.nanoTime() + 5_000_000_000L;
        DriverQueue.Used u;
        while ((u = q.nextUsed()) == null) {
            assertTrue(System.nanoTime() < deadline, "request " + head + " not completed");
            Thread.onSpinWait();
        }
        assertEquals(head, u.id());
        return u;
    }

    private byte status(Buf statusBuf) {
        return q.read(statusBuf)[0];
    }

    private byte simple(int type, long sector) {
        Buf st = q.in(1);
        complete(q.add(q.out(header(type, sector)), st));
        return status(st);
    }

    @Test
    void configSpaceDescribesTheDisk() {
        start();
        MemorySegment c = MemorySegment.ofArray(driver.readConfig(0, BlockDevice.CONFIG_SIZE));
        assertEquals(DISK / 512, c.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
        assertEquals(BlockDevice.QUEUE_SIZE - 2, c.get(ValueLayout.JAVA_INT_UNALIGNED, 12));
        assertEquals(512, c.get(ValueLayout.JAVA_INT_UNALIGNED, 20));
        assertEquals(BlockDevice.MAX_DISCARD_SECTORS, c.get(ValueLayout.JAVA_INT_UNALIGNED, 36));
        assertEquals(2, driver.read(MmioRegisters.DEVICE_ID));
        // Beyond the config space: zeroes, not an exception.
        assertArrayEquals(new byte[4], driver.readConfig(BlockDevice.CONFIG_SIZE, 4));
    }

    @Test
    void featuresFollowTheBackend() {
        long rw = new BlockDevice("a", new MemoryBlockBackend(4096, false, true)).deviceFeatures();
        assertTrue(VirtioFeatures.has(rw, VIRTIO_BLK_F_DISCARD));
        assertTrue(VirtioFeatures.has(rw, VIRTIO_BLK_F_WRITE_ZEROES));
        assertTrue(VirtioFeatures.has(rw, VIRTIO_BLK_F_FLUSH));
        assertFalse(VirtioFeatures.has(rw, VIRTIO_BLK_F_RO));
        long ro = new BlockDevice("b", new MemoryBlockBackend(4096, true, true)).deviceFeatures();
        assertTrue(VirtioFeatures.has(ro, VIRTIO_BLK_F_RO));
        assertFalse(VirtioFeatures.has(ro, VIRTIO_BLK_F_DISCARD));
        long noDiscard = new BlockDevice("c", new MemoryBlockBackend(4096, false, false)).deviceFeatures();
        assertFalse(VirtioFeatures.has(noDiscard, VIRTIO_BLK_F_WRITE_ZEROES));
    }

    @Test
    void readSpansDescriptors() {
        start();
        Buf a = q.in(512), b = q.in(1024), st = q.in(1);
        DriverQueue.Used u = complete(q.add(q.out(header(VIRTIO_BLK_T_IN, 3)), a, b, st));
        assertEquals(0, status(st));
        assertEquals(1536 + 1, u.length());
        assertArrayEquals(Arrays.copyOfRange(disk.data, 3 * 512, 4 * 512), q.read(a));
        assertArrayEquals(Arrays.copyOfRange(disk.data, 4 * 512, 6 * 512), q.read(b));
        // The interrupt follows the used entry the test has already seen: wait for it.
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (irqs.get() == 0 && System.nanoTime() < deadline) Thread.onSpinWait();
        assertTrue(irqs.get() > 0, "completion raised an interrupt");
        assertEquals(1, driver.read(MmioRegisters.INTERRUPT_STATUS) & MmioRegisters.INT_USED_RING);
    }

    @Test
    void writeThenReadBack() {
        start();
        byte[] data = new byte[1024];
        Arrays.fill(data, (byte) 0x5a);
        Buf st = q.in(1);
        DriverQueue.Used u = complete(q.add(q.out(header(VIRTIO_BLK_T_OUT, 10)), q.out(data), st));
        assertEquals(0, status(st));
        assertEquals(1, u.length(), "a write only writes the status byte");
        assertArrayEquals(data, Arrays.copyOfRange(disk.data, 10 * 512, 12 * 512));
        assertEquals((byte) (9 * 512 * 7 + 9), disk.data[9 * 512], "the sector before is untouched");
    }

    @Test
    void indirectRequests() {
        start(false, true, VirtioFeatures.bit(VirtioFeatures.VIRTIO_F_RING_INDIRECT_DESC));
        Buf data = q.in(512), st = q.in(1);
        complete(q.addIndirect(q.out(header(VIRTIO_BLK_T_IN, 0)), data, st));
        assertEquals(0, status(st));
        assertArrayEquals(Arrays.copyOfRange(disk.data, 0, 512), q.read(data));
    }

    @Test
    void requestsBeyondTheEndFailWithIoErr() {
        start();
        long cap = DISK / 512;
        Buf st = q.in(1);
        complete(q.add(q.out(header(VIRTIO_BLK_T_IN, cap)), q.in(512), st));
        assertEquals(VIRTIO_BLK_S_IOERR, status(st));
        Buf st2 = q.in(1);
        complete(q.add(q.out(header(VIRTIO_BLK_T_IN, cap - 1)), q.in(1024), st2));
        assertEquals(VIRTIO_BLK_S_IOERR, status(st2), "a read that runs past the end");
        Buf st3 = q.in(1);
        complete(q.add(q.out(header(VIRTIO_BLK_T_OUT, Long.MAX_VALUE / 256)), q.out(new byte[512]), st3));
        assertEquals(VIRTIO_BLK_S_IOERR, status(st3), "a sector number that overflows");
        Buf st4 = q.in(1);
        complete(q.add(q.out(header(VIRTIO_BLK_T_IN, 0)), q.in(100), st4));
        assertEquals(VIRTIO_BLK_S_IOERR, status(st4), "not a multiple of 512");
    }

    @Test
    void adjacentRequestsAreMergedIntoOneTransfer() throws InterruptedException {
        start();
        Thread.sleep(20); // past the device thread's polling window: it sleeps until the notify
        // Five reads of adjacent sectors, one that is not adjacent, then two adjacent writes.
        Buf[] data = new Buf[5];
        Buf[] st = new Buf[8];
        for (int i = 0; i < 8; i++) st[i] = q.in(1);
        for (int i = 0; i < 5; i++) {
            data[i] = q.in(1024);
            q.add(q.out(header(VIRTIO_BLK_T_IN, 10 + 2L * i)), data[i], st[i]);
        }
        Buf far = q.in(512);
        q.add(q.out(header(VIRTIO_BLK_T_IN, 100)), far, st[5]);
        byte[] w = new byte[512];
        Arrays.fill(w, (byte) 9);
        q.add(q.out(header(VIRTIO_BLK_T_OUT, 60)), q.out(w), st[6]);
        q.add(q.out(header(VIRTIO_BLK_T_OUT, 61)), q.out(w), st[7]);
        driver.notifyQueue(0);
        for (int i = 0; i < 8; i++) waitUsed();
        for (int i = 0; i < 8; i++) assertEquals(0, status(st[i]), "request " + i);
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(
                    Arrays.copyOfRange(disk.data, (10 + 2 * i) * 512, (12 + 2 * i) * 512),
                    q.read(data[i]),
                    "read " + i);
        }
        assertArrayEquals(Arrays.copyOfRange(disk.data, 100 * 512, 101 * 512), q.read(far));
        assertEquals(9, disk.data[61 * 512 + 511]);
        assertEquals(2, disk.reads.get(), "five adjacent reads merged into one, plus the far one");
        assertEquals(1, disk.writes.get(), "adjacent writes merged");
    }

    @Test
    void aFailedMergedTransferIsRetriedRequestByRequest() {
        start();
        disk.failIo = true;
        Buf a = q.in(1), b = q.in(1);
        q.add(q.out(header(VIRTIO_BLK_T_IN, 0)), q.in(512), a);
        q.add(q.out(header(VIRTIO_BLK_T_IN, 1)), q.in(512), b);
        driver.notifyQueue(0);
        waitUsed();
        waitUsed();
        assertEquals(VIRTIO_BLK_S_IOERR, status(a));
        assertEquals(VIRTIO_BLK_S_IOERR, status(b));
    }

    private void waitUsed() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (q.nextUsed() == null) {
            assertTrue(System.nanoTime() < deadline, "request not completed");
            Thread.onSpinWait();
        }
    }

    @Test
    void readOnlyDiskRefusesWrites() {
        start(true, true, 0);
        byte before = disk.data[0];
        Buf st = q.in(1);
        complete(q.add(q.out(header(VIRTIO_BLK_T_OUT, 0)), q.out(new byte[512]), st));
        assertEquals(VIRTIO_BLK_S_IOERR, status(st));
        assertEquals(before, disk.data[0]);
        Buf seg = q.out(segment(0, 8, 0));
        Buf st2 = q.in(1);
        complete(q.add(q.out(header(VIRTIO_BLK_T_DISCARD, 0)), seg, st2));
        assertEquals(VIRTIO_BLK_S_IOERR, status(st2));
        assertEquals(0, simple(VIRTIO_BLK_T_FLUSH, 0), "a flush of a read-only disk is a no-op");
        assertEquals(0, disk.flushes.get());
    }

    @Test
    void flushReachesTheBackend() {
        start();
        assertEquals(0, simple(VIRTIO_BLK_T_FLUSH, 0));
        assertEquals(1, disk.flushes.get());
    }

    @Test
    void getIdAnswersThePaddedId() {
        start();
        Buf id = q.in(20), st = q.in(1);
        DriverQueue.Used u = complete(q.add(q.out(header(VIRTIO_BLK_T_GET_ID, 0)), id, st));
        assertEquals(0, status(st));
        assertEquals(21, u.length());
        byte[] want = new byte[20];
        want[0] = 'v';
        want[1] = 'd';
        want[2] = 'a';
        assertArrayEquals(want, q.read(id));
        Buf small = q.in(8), st2 = q.in(1);
        complete(q.add(q.out(header(VIRTIO_BLK_T_GET_ID, 0)), small, st2));
        assertEquals(VIRTIO_BLK_S_IOERR, status(st2), "no room for the id");
    }

    @Test
    void discardAndWriteZeroes() {
        start();
        Buf st = q.in(1);
        complete(q.add(q.out(header(VIRTIO_BLK_T_DISCARD, 0)), q.out(segment(8, 8, 0)), st));
        assertEquals(0, status(st));
        assertArrayEquals(new byte[4096], Arrays.copyOfRange(disk.data, 8 * 512, 16 * 512));
        assertNotEquals(0, disk.data[16 * 512 + 1]);

        byte[] two = new byte[32];
        System.arraycopy(segment(20, 1, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP), 0, two, 0, 16);
        System.arraycopy(segment(30, 2, 0), 0, two, 16, 16);
        Buf st2 = q.in(1);
        complete(q.add(q.out(header(VIRTIO_BLK_T_WRITE_ZEROES, 0)), q.out(two), st2));
        assertEquals(0, status(st2));
        assertArrayEquals(new byte[512], Arrays.copyOfRange(disk.data, 20 * 512, 21 * 512));
        assertArrayEquals(new byte[1024], Arrays.copyOfRange(disk.data, 30 * 512, 32 * 512));
    }

    @Test
    void badDiscardSegmentsLeaveTheDiskUnchanged() {
        start();
        byte[] before = disk.data.clone();
        byte[] two = new byte[32];
        System.arraycopy(segment(0, 8, 0), 0, two, 0, 16);
        System.arraycopy(segment(DISK / 512 - 1, 2, 0), 0, two, 16, 16); // second runs past the end
        Buf st = q.in(1);
        complete(q.add(q.out(header(VIRTIO_BLK_T_DISCARD, 0)), q.out(two), st));
        assertEquals(VIRTIO_BLK_S_IOERR, status(st));
        Buf st2 = q.in(1);
        complete(q.add(
                q.out(header(VIRTIO_BLK_T_DISCARD, 0)), q.out(segment(0, 8, VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP)), st2));
        assertEquals(VIRTIO_BLK_S_UNSUPP, status(st2), "unmap flag on a discard");
        Buf st3 = q.in(1);
        complete(q.add(q.out(header(VIRTIO_BLK_T_DISCARD, 0)), q.out(new byte[SEGMENT_SIZE * 33]), st3));
        assertEquals(VIRTIO_BLK_S_IOERR, status(st3), "more segments than max_discard_seg");
        Buf st4 = q.in(1);
        complete(q.add(q.out(header(VIRTIO_BLK_T_WRITE_ZEROES, 0)), q.out(new byte[10]), st4));
        assertEquals(VIRTIO_BLK_S_IOERR, status(st4), "a partial segment");
        assertArrayEquals(before, disk.data);
    }

    @Test
    void unknownTypeIsUnsupportedAndShortHeaderIsIoErr() {
        start();
        assertEquals(VIRTIO_BLK_S_UNSUPP, simple(0x7f, 0));
        Buf st = q.in(1);
        complete(q.add(q.out(new byte[8]), st));
        assertEquals(VIRTIO_BLK_S_IOERR, status(st));
    }

    @Test
    void backendErrorsBecomeIoErrAndTheDeviceGoesOn() {
        start();
        disk.failIo = true;
        Buf st = q.in(1);
        complete(q.add(q.out(header(VIRTIO_BLK_T_IN, 0)), q.in(512), st));
        assertEquals(VIRTIO_BLK_S_IOERR, status(st));
        disk.failIo = false;
        assertEquals(0, simple(VIRTIO_BLK_T_FLUSH, 0));
        assertEquals(0, transport.status() & DeviceStatus.DEVICE_NEEDS_RESET);
    }

    @Test
    void requestWithoutStatusByteIsReturnedEmpty() {
        start();
        DriverQueue.Used u = complete(q.add(q.out(header(VIRTIO_BLK_T_IN, 0)), q.out(new byte[512])));
        assertEquals(0, u.length());
        assertEquals(0, simple(VIRTIO_BLK_T_FLUSH, 0), "the next request is served");
    }

    @Test
    void malformedChainIsRefusedAndTheDeviceGoesOn() {
        start();
        // A descriptor pointing outside guest RAM.
        int head = 0;
        q.writeDesc(0, q.out(header(VIRTIO_BLK_T_IN, 0)).address(), HEADER_SIZE, 1, 1);
        q.writeDesc(1, mem.totalSize() - 16, 512, 2, 0);
        q.publish(head);
        DriverQueue.Used u = complete(head);
        assertEquals(0, u.length());
        assertEquals(0, transport.status() & DeviceStatus.DEVICE_NEEDS_RESET);
    }

    @Test
    void brokenRingPutsTheDeviceInNeedsReset() {
        start();
        q.setAvailIdx(1000); // claims far more buffers than the queue holds
        driver.notifyQueue(0);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while ((transport.status() & DeviceStatus.DEVICE_NEEDS_RESET) == 0) {
            assertTrue(System.nanoTime() < deadline, "device did not fail");
            Thread.onSpinWait();
        }
        assertEquals(MmioRegisters.INT_CONFIG, driver.read(MmioRegisters.INTERRUPT_STATUS) & MmioRegisters.INT_CONFIG);
        // The driver resets and starts over: the device works again.
        DriverQueue fresh = new DriverQueue(mem, 0x200000, 64);
        driver.start(0, fresh);
        Buf st = fresh.in(1);
        int head = fresh.add(fresh.out(header(VIRTIO_BLK_T_FLUSH, 0)), st);
        driver.notifyQueue(0);
        long d2 = System.nanoTime() + 5_000_000_000L;
        while (fresh.nextUsed() == null) {
            assertTrue(System.nanoTime() < d2, "request " + head + " after reset not completed");
            Thread.onSpinWait();
        }
        assertEquals(0, fresh.read(st)[0]);
    }

    @Test
    void closeStopsTheThreadAndClosesTheImage() throws Exception {
        start();
        assertEquals(0, simple(VIRTIO_BLK_T_FLUSH, 0));
        transport.close();
        assertTrue(disk.closed);
        assertTrue(Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("virtio-blk-vda")));
        transport = null;
    }
}
