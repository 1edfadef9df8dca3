package io.jvmm.virtio.queue;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.memory.GuestMemory;
import io.jvmm.virtio.TestMemory;
import io.jvmm.virtio.VirtioProtocolException;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The guest controls every byte of a virtqueue. Over arbitrary descriptor tables (loops, chains
 * through indirect tables, wild indices, buffers past the end of RAM, wrapping addresses), popping
 * always terminates and yields either a chain whose every buffer lies inside guest RAM, or a
 * refusal: the Java counterpart of Firecracker's Kani proofs and vm-virtio's fuzz targets.
 */
class VirtqueuePropertyTest {
    private static final int RAM = 16 * 1024;
    private static final GuestMemory MEM = TestMemory.of(RAM);

    @Property(tries = 100_000)
    void popTerminatesWithAChainInsideRamOrARefusal(@ForAll long seed) {
        Random r = new Random(seed);
        int size = 1 << r.nextInt(7); // 1..64
        byte[] noise = new byte[RAM];
        r.nextBytes(noise);
        MEM.write(0, noise);
        long desc = 0, avail = 16L * size, used = 4096;
        for (int i = 0; i < size; i++) writeDesc(r, desc + 16L * i, size);
        // a few plausible indirect tables somewhere in RAM
        for (int t = 0; t < 3; t++) {
            long table = 8192 + 16L * r.nextInt(200);
            for (int i = 0; i < 8; i++) writeDesc(r, table + 16L * i, 8);
        }
        int availIdx = r.nextInt(4) == 0 ? r.nextInt(65536) : r.nextInt(size + 1);
        MEM.writeShort(avail + 2, (short) availIdx);
        for (int i = 0; i < size; i++)
            MEM.writeShort(avail + 4 + 2L * i, (short) (r.nextInt(8) == 0 ? r.nextInt(65536) : r.nextInt(size)));
        Virtqueue q = Virtqueue.create(MEM, new QueueConfig(size, desc, avail, used), r.nextBoolean(), r.nextBoolean());

        for (int pops = 0; pops <= size; pops++) {
            try {
                DescriptorChain c = q.pop();
                if (c == null) return;
                assertTrue(c.head() < size);
                long total = 0;
                for (Descriptor d : c.descriptors()) {
                    assertTrue(
                            MEM.contains(d.address(), Integer.toUnsignedLong(d.length())), "buffer outside RAM: " + d);
                    total += Integer.toUnsignedLong(d.length());
                }
                assertEquals(total, c.readable().length() + c.writable().length());
                assertTrue(c.descriptors().size() <= size + Virtqueue.MAX_INDIRECT);
            } catch (InvalidChainException e) {
                assertTrue(e.head() < size);
            } catch (VirtioProtocolException e) {
                return; // the ring is broken: the device would need a reset
            }
        }
        fail("popped more chains than the queue holds");
    }

    private static void writeDesc(Random r, long at, int tableSize) {
        long addr = switch (r.nextInt(6)) {
            case 0 -> r.nextLong();
            case 1 -> RAM - r.nextInt(64);
            case 2 -> 8192 + 16L * r.nextInt(200); // maybe one of the indirect tables
            default -> r.nextInt(RAM);
        };
        int len = switch (r.nextInt(5)) {
            case 0 -> r.nextInt();
            case 1 -> 16 * (1 + r.nextInt(8));
            default -> r.nextInt(512);
        };
        int flags = r.nextInt(8);
        int next = r.nextInt(5) == 0 ? r.nextInt(65536) : r.nextInt(tableSize);
        MEM.writeLong(at, addr);
        MEM.writeInt(at + 8, len);
        MEM.writeShort(at + 12, (short) flags);
        MEM.writeShort(at + 14, (short) next);
    }
}
