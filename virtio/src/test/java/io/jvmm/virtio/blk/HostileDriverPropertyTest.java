package io.jvmm.virtio.blk;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.memory.GuestMemory;
import io.jvmm.virtio.DeviceFailures;
import io.jvmm.virtio.DeviceStatus;
import io.jvmm.virtio.SimpleQueueEvent;
import io.jvmm.virtio.TestMemory;
import io.jvmm.virtio.mmio.HostileMmio;
import io.jvmm.virtio.mmio.MmioRegisters;
import io.jvmm.virtio.mmio.MmioTransport;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * A hostile driver: random register writes of any width at any offset (status, features, queue
 * addresses, sizes, notifies, config space), random bytes all over guest RAM, and random descriptor
 * soup in whatever the queue points at. The transport and the block device must never throw to the
 * caller (a vCPU thread), never write the disk outside its size, and never touch memory outside
 * guest RAM: the fake RAM is a bounded segment, so such an access would throw in the device thread,
 * which DeviceWorker reports as "device failed" (not as a guest protocol error); none may appear.
 */
class HostileDriverPropertyTest {
    private static final int RAM = 64 * 1024;

    @Property(tries = 2_000)
    void randomDriverNeverBreaksTheVmm(@ForAll long seed) throws Exception {
        int failures = DeviceFailures.mark();
        Random r = new Random(seed);
        GuestMemory mem = TestMemory.of(RAM);
        byte[] noise = new byte[RAM];
        r.nextBytes(noise);
        mem.write(0, noise);
        MemoryBlockBackend disk = new MemoryBlockBackend(8 * 1024, r.nextBoolean(), r.nextBoolean());
        MmioTransport t =
                new MmioTransport(new BlockDevice("fuzz", disk), mem, List.of(new SimpleQueueEvent()), () -> {});
        try {
            // Half the runs start the device properly, so the fuzzing reaches a live queue.
            if (r.nextBoolean()) setUp(t, r);
            HostileMmio.randomAccesses(t, mem, RAM, r, 200);
        } finally {
            t.close(); // joins the device thread: anything it did has happened
        }
        assertEquals(8 * 1024, disk.data.length, "the disk keeps its size");
        assertEquals(
                List.of(),
                DeviceFailures.since(failures),
                "device threads failed on something other than a guest protocol error");
    }

    /** A plausible start: features, one queue inside RAM, DRIVER_OK. */
    private static void setUp(MmioTransport t, Random r) {
        write(t, MmioRegisters.STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER);
        write(t, MmioRegisters.DRIVER_FEATURES_SEL, 1);
        write(t, MmioRegisters.DRIVER_FEATURES, 1); // VERSION_1
        write(t, MmioRegisters.DRIVER_FEATURES_SEL, 0);
        write(t, MmioRegisters.DRIVER_FEATURES, r.nextInt() & ((1 << 28) | (1 << 29)));
        write(t, MmioRegisters.STATUS, DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK);
        write(t, MmioRegisters.QUEUE_SEL, 0);
        write(t, MmioRegisters.QUEUE_NUM, 1 << r.nextInt(6));
        write(t, MmioRegisters.QUEUE_DESC_LOW, 0);
        write(t, MmioRegisters.QUEUE_DRIVER_LOW, 0x2000);
        write(t, MmioRegisters.QUEUE_DEVICE_LOW, 0x3000);
        write(t, MmioRegisters.QUEUE_READY, 1);
        write(
                t,
                MmioRegisters.STATUS,
                DeviceStatus.ACKNOWLEDGE | DeviceStatus.DRIVER | DeviceStatus.FEATURES_OK | DeviceStatus.DRIVER_OK);
        write(t, MmioRegisters.QUEUE_NOTIFY, 0);
    }

    private static void write(MmioTransport t, int offset, int value) {
        HostileMmio.write(t, offset, value);
    }
}
