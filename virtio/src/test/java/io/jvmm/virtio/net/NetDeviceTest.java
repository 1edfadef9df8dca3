package io.jvmm.virtio.net;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.memory.GuestMemory;
import io.jvmm.virtio.SimpleQueueEvent;
import io.jvmm.virtio.TestMemory;
import io.jvmm.virtio.VirtioFeatures;
import io.jvmm.virtio.mmio.MmioDriver;
import io.jvmm.virtio.mmio.MmioTransport;
import io.jvmm.virtio.queue.DriverQueue;
import io.jvmm.virtio.queue.Virtqueue;
import io.jvmm.virtio.ratelimit.RateLimit;
import io.jvmm.virtio.ratelimit.TokenBucket;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NetDeviceTest {
    /** Records sent frames and lets the test inject received ones. */
    static final class FakeBackend implements NetBackend {
        final LinkedBlockingQueue<byte[]> sent = new LinkedBlockingQueue<>();
        volatile NetBackend.FrameSink sink;
        volatile boolean closed;

        @Override
        public void send(MemorySegment frame) {
            sent.add(frame.toArray(ValueLayout.JAVA_BYTE));
        }

        @Override
        public void start(NetBackend.FrameSink s) {
            sink = s;
        }

        /** Delivers a frame from a reused buffer, as the real backends do, and ends the read there. */
        void receive(byte[] frame) {
            accept(frame);
            sink.endOfBatch();
        }

        /** One frame of a read that carried several; the test calls {@link #endOfRead()}. */
        void accept(byte[] frame) {
            MemorySegment buf = MemorySegment.ofArray(new byte[70_000]);
            MemorySegment.copy(MemorySegment.ofArray(frame), 0, buf, 0, frame.length);
            sink.accept(buf.asSlice(0, frame.length));
            buf.fill((byte) 0x55); // reused: the device must have copied what it needs
        }

        void endOfRead() {
            sink.endOfBatch();
        }

        @Override
        public String describe() {
            return "fake";
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    private final GuestMemory mem = TestMemory.of(16 << 20);
    private final DriverQueue rx = new DriverQueue(mem, 0x100000, 64), tx = new DriverQueue(mem, 0x800000, 64);
    private final FakeBackend backend = new FakeBackend();
    private final MacAddress mac = MacAddress.parse("02:00:00:00:00:07");
    private final NetDevice device = new NetDevice("eth0", mac, backend);
    private final AtomicInteger interrupts = new AtomicInteger();
    private final MmioTransport transport = new MmioTransport(
            device, mem, List.of(new SimpleQueueEvent(), new SimpleQueueEvent()), interrupts::incrementAndGet);
    private final MmioDriver driver = new MmioDriver(transport);

    @AfterEach
    void close() {
        transport.close();
    }

    private void start() {
        driver.start(
                VirtioFeatures.bit(NetDevice.VIRTIO_NET_F_MAC) | VirtioFeatures.bit(NetDevice.VIRTIO_NET_F_STATUS),
                rx,
                tx);
    }

    private static byte[] frame(int len, int seed) {
        byte[] f = new byte[len];
        for (int i = 0; i < len; i++) f[i] = (byte) (i * seed + 1);
        return f;
    }

    private DriverQueue.Used waitUsed(DriverQueue q) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        DriverQueue.Used u;
        while ((u = q.nextUsed()) == null) {
            assertTrue(System.nanoTime() < deadline, "nothing used");
            Thread.onSpinWait();
        }
        return u;
    }

    @Test
    void configHasMacLinkAndMtu() {
        byte[] c = driver.readConfig(0, 12);
        assertArrayEquals(mac.bytes(), Arrays.copyOf(c, 6));
        assertEquals(1, c[6], "link up");
        assertEquals(1500, (c[10] & 0xff) | (c[11] & 0xff) << 8);
        assertEquals(1, driver.read(0x008));
        long f = driver.deviceFeatures();
        assertFalse(VirtioFeatures.has(f, 0), "no checksum offload");
        assertFalse(VirtioFeatures.has(f, 11), "no TSO from the host side");
    }

    @Test
    void transmitStripsTheHeader() throws Exception {
        start();
        byte[] f = frame(60, 3);
        byte[] buf = new byte[NetDevice.HEADER_SIZE + f.length];
        System.arraycopy(f, 0, buf, NetDevice.HEADER_SIZE, f.length);
        // Header and frame split over two descriptors, as Linux may do.
        tx.add(tx.out(Arrays.copyOf(buf, 20)), tx.out(Arrays.copyOfRange(buf, 20, buf.length)));
        driver.notifyQueue(1);
        assertArrayEquals(f, backend.sent.poll(5, TimeUnit.SECONDS));
        assertEquals(0, waitUsed(tx).length());
        assertEquals(1, device.txFrames());
    }

    /** 20 frames a second, 5 at once: 25 frames cannot all leave in less than a second, and all do leave. */
    @Test
    void transmitIsHeldToItsRateLimit() throws Exception {
        device.txRateLimiter().update(new RateLimit(null, new TokenBucket(5, Duration.ofMillis(250), 0)));
        start();
        long t0 = System.nanoTime();
        for (int i = 0; i < 25; i++) {
            byte[] buf = new byte[NetDevice.HEADER_SIZE + 60];
            tx.add(tx.out(buf));
            driver.notifyQueue(1);
            if (i % 8 == 7) while (tx.nextUsed() != null) {} // keep the ring from filling
        }
        for (int i = 0; i < 25; i++) assertNotNull(backend.sent.poll(10, TimeUnit.SECONDS), "frame " + i);
        assertTrue(
                System.nanoTime() - t0 >= 900_000_000L,
                "25 frames at 20/s with a burst of 5 took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
    }

    /**
     * Received frames under a byte limit of 4000 bytes/s: after the full bucket (4 frames) a frame passes
     * whenever the bucket is out of debt, so the 6th and 7th wait a quarter second each.
     */
    @Test
    void receiveIsHeldToItsRateLimit() throws Exception {
        device.rxRateLimiter().update(new RateLimit(TokenBucket.perSecond(4000), null));
        start();
        for (int i = 0; i < 8; i++) rx.add(rx.in(2048));
        driver.notifyQueue(0);
        long t0 = System.nanoTime();
        for (int i = 0; i < 7; i++) backend.accept(frame(1000, i + 1));
        backend.endOfRead();
        assertTrue(
                System.nanoTime() - t0 >= 490_000_000L,
                "7000 bytes at 4000 B/s took " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        for (int i = 0; i < 7; i++)
            assertEquals(NetDevice.HEADER_SIZE + 1000, waitUsed(rx).length());
    }

    @Test
    void runtOrOversizedTransmitsAreDropped() throws Exception {
        start();
        tx.add(tx.out(new byte[NetDevice.HEADER_SIZE + 5]));
        driver.notifyQueue(1);
        waitUsed(tx);
        assertNull(backend.sent.poll(100, TimeUnit.MILLISECONDS));
    }

    @Test
    void receivedFramesLandInGuestBuffersWithAHeader() {
        start();
        DriverQueue.Buf b = rx.in(2048);
        rx.add(b);
        driver.notifyQueue(0);
        byte[] f = frame(100, 5);
        backend.receive(f);
        DriverQueue.Used u = waitUsed(rx);
        assertEquals(NetDevice.HEADER_SIZE + 100, u.length());
        byte[] got = rx.read(b);
        assertEquals(1, got[10], "num_buffers = 1");
        assertArrayEquals(f, Arrays.copyOfRange(got, NetDevice.HEADER_SIZE, NetDevice.HEADER_SIZE + 100));
    }

    /** The backend's reader, as passt's and the TAP device's are: a thread of its own. */
    private Thread receiveInBackground(int frames) {
        return Thread.ofPlatform().start(() -> {
            for (int i = 0; i < frames; i++) backend.receive(frame(64, i + 1));
        });
    }

    @Test
    void theReaderWaitsForBuffersThenFramesFlowInOrder() throws Exception {
        start();
        Thread reader = receiveInBackground(3);
        reader.join(200);
        assertTrue(reader.isAlive(), "no receive buffer: the reader waits (and reads nothing more)");
        assertNull(rx.nextUsed());
        DriverQueue.Buf[] bufs = {rx.in(1600), rx.in(1600), rx.in(1600)};
        for (DriverQueue.Buf b : bufs) rx.add(b);
        driver.notifyQueue(0);
        for (int i = 0; i < 3; i++) {
            waitUsed(rx);
            assertArrayEquals(
                    frame(64, i + 1),
                    Arrays.copyOfRange(rx.read(bufs[i]), NetDevice.HEADER_SIZE, NetDevice.HEADER_SIZE + 64),
                    "in order");
        }
        reader.join(5_000);
        assertFalse(reader.isAlive());
        assertEquals(0, device.rxDropped());
    }

    /**
     * A driver without EVENT_IDX: the device asks for a notification (clears NO_NOTIFY) only while it
     * has no buffer for a frame, and suppresses them again as soon as the guest has refilled the
     * ring, or every later refill would be a kick (an exit).
     */
    @Test
    void notificationsAreAskedForOnlyWhileTheReceiveQueueIsDry() throws Exception {
        start();
        assertEquals(
                Virtqueue.VIRTQ_USED_F_NO_NOTIFY, rx.usedFlags(), "buffers or not, quiet until a frame finds none");
        Thread reader = receiveInBackground(2);
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (rx.usedFlags() != 0) {
            assertTrue(System.nanoTime() < deadline, "a frame without a buffer asks for a notification");
            Thread.onSpinWait();
        }
        DriverQueue.Buf[] bufs = {rx.in(1600), rx.in(1600), rx.in(1600)};
        for (DriverQueue.Buf b : bufs) rx.add(b);
        driver.notifyQueue(0);
        waitUsed(rx);
        waitUsed(rx);
        reader.join(5_000);
        assertEquals(Virtqueue.VIRTQ_USED_F_NO_NOTIFY, rx.usedFlags(), "refilled: quiet again while buffers last");
    }

    /**
     * Each frame of a backend read is in the used ring as soon as it is copied (a polling guest may
     * recycle its buffer meanwhile); the interrupt comes once, at the read's end.
     */
    @Test
    void theFramesOfOneReadAreVisibleAtOnceWithOneInterruptForAll() {
        start();
        for (int i = 0; i < 3; i++) rx.add(rx.in(1600));
        driver.notifyQueue(0);
        int before = interrupts.get();
        for (int i = 0; i < 3; i++) {
            backend.accept(frame(64, i + 1));
            assertEquals(
                    NetDevice.HEADER_SIZE + 64, waitUsed(rx).length(), "frame " + i + " visible before the read ends");
        }
        assertEquals(before, interrupts.get(), "no interrupt in the middle of a read");
        backend.endOfRead();
        assertEquals(before + 1, interrupts.get());
    }

    /**
     * A read with more frames than buffers: an interrupt-driven guest must hear of what was delivered
     * before the reader waits for it to free buffers.
     */
    @Test
    void framesDeliveredBeforeTheQueueRanDryAreSignalledWhileTheReaderWaits() throws Exception {
        start();
        DriverQueue.Buf[] bufs = {rx.in(1600), rx.in(1600)};
        for (DriverQueue.Buf b : bufs) rx.add(b);
        driver.notifyQueue(0);
        int before = interrupts.get();
        Thread reader = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 3; i++) backend.accept(frame(64, i + 1));
            backend.endOfRead();
        });
        waitUsed(rx);
        waitUsed(rx);
        reader.join(200);
        assertTrue(reader.isAlive(), "the third frame waits for a buffer");
        assertEquals(before + 1, interrupts.get(), "the guest heard of the first two before the reader waits");
        DriverQueue.Buf third = rx.in(1600);
        rx.add(third);
        driver.notifyQueue(0);
        waitUsed(rx);
        assertArrayEquals(
                frame(64, 3), Arrays.copyOfRange(rx.read(third), NetDevice.HEADER_SIZE, NetDevice.HEADER_SIZE + 64));
        reader.join(5_000);
        assertFalse(reader.isAlive());
    }

    @Test
    void tooSmallBufferDropsTheFrameNotTheDevice() {
        start();
        rx.add(rx.in(50));
        DriverQueue.Buf big = rx.in(2048);
        rx.add(big);
        driver.notifyQueue(0);
        backend.receive(frame(100, 7));
        assertEquals(0, waitUsed(rx).length());
        assertEquals(1, device.rxDropped());
        backend.receive(frame(100, 9));
        assertEquals(NetDevice.HEADER_SIZE + 100, waitUsed(rx).length());
    }

    @Test
    void aResetReleasesAWaitingReaderAndFramesWithoutADriverAreDropped() throws Exception {
        start();
        Thread reader = receiveInBackground(1);
        reader.join(200);
        assertTrue(reader.isAlive(), "waiting for a receive buffer");
        driver.write(0x070, 0); // reset
        reader.join(5_000);
        assertFalse(reader.isAlive(), "the reset woke the reader");
        assertEquals(1, device.rxDropped(), "its frame is dropped");
        backend.receive(frame(64, 1));
        assertEquals(2, device.rxDropped(), "no driver: dropped at once");
    }

    @Test
    void aBrokenReceiveRingFailsTheDeviceWithoutKillingTheReader() {
        start();
        // avail.idx far ahead of the device: the ring itself is corrupt.
        mem.writeShort(0x100000 + 64 * 16 + 2, (short) 1000);
        backend.receive(frame(64, 1));
        assertEquals(1, device.rxDropped());
        assertNotEquals(0, driver.read(0x070) & 0x40, "DEVICE_NEEDS_RESET");
        backend.receive(frame(64, 1)); // and the reader goes on: later frames are dropped, not thrown
        assertEquals(2, device.rxDropped());
    }

    @Test
    void closeClosesTheBackend() {
        start();
        transport.close();
        assertTrue(backend.closed);
    }

    @Test
    void macParsing() {
        assertEquals("02:00:00:00:00:07", mac.toString());
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("01:00:00:00:00:01"), "multicast");
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("02:00:00:00:00"));
        assertThrows(IllegalArgumentException.class, () -> MacAddress.parse("zz:00:00:00:00:01"));
        MacAddress r = MacAddress.random();
        assertEquals(2, r.bytes()[0] & 3, "locally administered unicast");
    }
}
