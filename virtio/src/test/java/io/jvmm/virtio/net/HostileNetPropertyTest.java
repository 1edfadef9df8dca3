package io.jvmm.virtio.net;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.memory.GuestMemory;
import io.jvmm.virtio.DeviceFailures;
import io.jvmm.virtio.DeviceStatus;
import io.jvmm.virtio.SimpleQueueEvent;
import io.jvmm.virtio.TestMemory;
import io.jvmm.virtio.VirtioFeatures;
import io.jvmm.virtio.mmio.HostileMmio;
import io.jvmm.virtio.mmio.MmioDriver;
import io.jvmm.virtio.mmio.MmioRegisters;
import io.jvmm.virtio.mmio.MmioTransport;
import io.jvmm.virtio.queue.DriverQueue;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * A hostile driver of virtio-net while frames arrive: random register writes, random bytes all over
 * guest RAM and in whatever the two queues point at, and a backend thread delivering batches of
 * frames of any size (empty, ordinary, larger than any frame). The receive path runs on the
 * backend's own thread, not a DeviceWorker, so besides the device threads' failures this test
 * collects anything that escapes into that thread: a passt or TAP reader that died would leave the
 * guest without a network. The fake RAM is a bounded segment, so an access outside it would throw.
 */
class HostileNetPropertyTest {
    private static final int RAM = 2 << 20;

    /** Hands frames over from the test's reader thread, as passt's and the TAP device's readers do. */
    private static final class Backend implements NetBackend {
        volatile FrameSink sink;

        @Override
        public void send(MemorySegment frame) {}

        @Override
        public void start(FrameSink s) {
            sink = s;
        }

        @Override
        public String describe() {
            return "fuzz";
        }

        @Override
        public void close() {}
    }

    @Property(tries = 600)
    void randomDriverAndFramesNeverBreakTheNetDevice(@ForAll long seed) throws Exception {
        int failures = DeviceFailures.mark();
        Random r = new Random(seed);
        GuestMemory mem = TestMemory.of(RAM);
        byte[] noise = new byte[RAM];
        r.nextBytes(noise);
        mem.write(0, noise);
        Backend backend = new Backend();
        NetDevice device = new NetDevice("fuzz", MacAddress.parse("02:00:00:00:00:01"), backend);
        MmioTransport t =
                new MmioTransport(device, mem, List.of(new SimpleQueueEvent(), new SimpleQueueEvent()), () -> {});
        List<Throwable> escaped = new CopyOnWriteArrayList<>();
        long frameSeed = r.nextLong();
        var fuzzing = new AtomicBoolean(true);
        Thread reader = Thread.ofPlatform().name("fuzz-rx").start(() -> {
            Random fr = new Random(frameSeed);
            try {
                while (fuzzing.get()) {
                    NetBackend.FrameSink sink = backend.sink;
                    if (sink == null) { // the driver has not activated the device (yet)
                        Thread.onSpinWait();
                        continue;
                    }
                    int n = 1 + fr.nextInt(4);
                    for (int i = 0; i < n; i++) {
                        int len = switch (fr.nextInt(8)) {
                            case 0 -> 0;
                            case 1 -> NetDevice.MAX_FRAME + 1 + fr.nextInt(100);
                            default -> 14 + fr.nextInt(1500);
                        };
                        byte[] f = new byte[len];
                        fr.nextBytes(f);
                        sink.accept(MemorySegment.ofArray(f));
                    }
                    sink.endOfBatch();
                }
            } catch (Throwable e) {
                escaped.add(e);
            }
        });
        try {
            if (r.nextBoolean()) {
                drive(t, mem, r);
            } else {
                if (r.nextBoolean()) setUp(t, r);
                HostileMmio.randomAccesses(t, mem, RAM, r, 200);
            }
        } finally {
            fuzzing.set(false);
            t.close(); // resets the device: a reader waiting for receive buffers wakes and drops its frame
            reader.join(10_000);
        }
        // How far the fuzzing got, in jqwik's report: frames must reach guest buffers in some runs.
        Statistics.collect(
                device.rxFrames() > 0
                        ? "frames reached guest buffers"
                        : device.txFrames() > 0 ? "frames sent only" : "no frame moved");
        assertFalse(reader.isAlive(), "the backend's reader is stuck");
        assertEquals(List.of(), escaped, "exceptions escaped into the backend's reader");
        assertEquals(
                List.of(),
                DeviceFailures.since(failures),
                "device threads failed on something other than a guest protocol error");
    }

    /**
     * A driver that starts the device properly, then posts receive and transmit chains of any shape
     * (empty, tiny, device-readable where writable belongs, indirect, descriptors reused while the
     * device holds them), scribbles over RAM and the rings now and then, and seldom touches a
     * register at random: the frames reach guest buffers in many runs, and the rings still break.
     */
    private static void drive(MmioTransport t, GuestMemory mem, Random r) {
        MmioDriver driver = new MmioDriver(t);
        mem.fill(0x1000, 0x2000, (byte) 0); // the rings start clean; buffers keep the noise
        mem.fill(0x100000, 0x2000, (byte) 0);
        DriverQueue rx = new DriverQueue(mem, 0x1000, 1 << r.nextInt(8)),
                tx = new DriverQueue(mem, 0x100000, 1 << r.nextInt(8));
        long features = VirtioFeatures.bit(NetDevice.VIRTIO_NET_F_MAC);
        if (r.nextBoolean()) features |= VirtioFeatures.bit(VirtioFeatures.VIRTIO_F_RING_EVENT_IDX);
        if (r.nextBoolean()) features |= VirtioFeatures.bit(VirtioFeatures.VIRTIO_F_RING_INDIRECT_DESC);
        driver.start(features, rx, tx);
        for (int step = 0; step < 150; step++) {
            switch (r.nextInt(20)) {
                case 0, 1, 2, 3, 4, 5, 6, 7 -> {
                    DriverQueue.Buf[] bufs = new DriverQueue.Buf[1 + r.nextInt(3)];
                    for (int i = 0; i < bufs.length; i++) {
                        int len = r.nextInt(8) == 0 ? r.nextInt(20) : r.nextInt(2000);
                        bufs[i] = r.nextInt(12) == 0 ? rx.out(new byte[len]) : rx.in(len);
                    }
                    if (r.nextInt(4) == 0) rx.addIndirect(bufs);
                    else rx.add(bufs);
                    if (r.nextBoolean()) driver.notifyQueue(0);
                }
                case 8, 9, 10, 11 -> {
                    byte[] frame =
                            new byte[r.nextInt(4) == 0 ? r.nextInt(20) : NetDevice.HEADER_SIZE + 14 + r.nextInt(1500)];
                    r.nextBytes(frame);
                    DriverQueue.Buf b = r.nextInt(12) == 0 ? tx.in(frame.length) : tx.out(frame);
                    if (r.nextInt(4) == 0) tx.addIndirect(b);
                    else tx.add(b);
                    driver.notifyQueue(1);
                }
                case 12 -> mem.writeInt(r.nextInt(RAM / 4) * 4L, r.nextInt());
                case 13 -> { // the rings themselves
                    long at = (r.nextBoolean() ? 0x1000 : 0x100000) + 2L * r.nextInt(0x2000);
                    mem.writeShort(at, (short) r.nextInt());
                }
                case 14, 15 -> rx.drainUsed();
                case 16 -> {
                    if (r.nextInt(4) == 0) HostileMmio.randomAccesses(t, mem, RAM, r, 1);
                }
                default -> LockSupport.parkNanos(20_000); // the reader's turn
            }
        }
    }

    /** A plausible start: features, both queues inside RAM (at random sizes), DRIVER_OK. */
    private static void setUp(MmioTransport t, Random r) {
        write(t, MmioRegisters.STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        write(t, MmioRegisters.DRIVER_FEATURES_SEL, 1);
        write(t, MmioRegisters.DRIVER_FEATURES, 1); // VERSION_1
        write(t, MmioRegisters.DRIVER_FEATURES_SEL, 0);
        write(t, MmioRegisters.DRIVER_FEATURES, r.nextInt() & ((1 << 28) | (1 << 29) | (1 << 5) | (1 << 16)));
        write(t, MmioRegisters.STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK);
        for (int q = 0; q < 2; q++) {
            int base = q * 0x8000;
            write(t, MmioRegisters.QUEUE_SEL, q);
            write(t, MmioRegisters.QUEUE_NUM, 1 << r.nextInt(7));
            write(t, MmioRegisters.QUEUE_DESC_LOW, base);
            write(t, MmioRegisters.QUEUE_DRIVER_LOW, base + 0x2000);
            write(t, MmioRegisters.QUEUE_DEVICE_LOW, base + 0x3000);
            write(t, MmioRegisters.QUEUE_READY, 1);
        }
        write(
                t,
                MmioRegisters.STATUS,
                DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK | DeviceStatus.DRIVER_OK);
        write(t, MmioRegisters.QUEUE_NOTIFY, 0);
        write(t, MmioRegisters.QUEUE_NOTIFY, 1);
    }

    private static void write(MmioTransport t, int offset, int value) {
        HostileMmio.write(t, offset, value);
    }
}
