package io.jvmm.virtio.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.jvmm.memory.GuestMemory;
import io.jvmm.memory.MemoryRegion;
import io.jvmm.virtio.VirtioProtocolException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Coverage-guided counterpart of {@link VirtqueuePropertyTest}: the fuzzer writes the descriptor
 * table, the available ring, the ring positions and the RAM behind them, and {@code popValid} must
 * hand out only chains whose every buffer lies in guest RAM, or refuse with
 * {@link VirtioProtocolException}, and never hang (the {@code @Timeout} is libFuzzer's per-input
 * timeout when fuzzing).
 *
 * <p>Input: byte 0 the queue size's log2 (0..6), byte 1 the features (bit 0 EVENT_IDX, bit 1
 * INDIRECT_DESC), bytes 2..5 the restored next_avail and next_used (little-endian u16), then RAM.
 * RAM is two regions with a hole, so buffers can straddle it or run off either end: {@code [0, 8K)}
 * holds the table at 0 and the avail ring at 0x400, {@code [12K, 16K)} more buffers and tables.
 *
 * <p>A plain build runs the inputs in {@code VirtqueueFuzzTestInputs/popValid} (resources);
 * {@code -Pfuzz} fuzzes (module README, Fuzzing).
 */
class VirtqueueFuzzTest {
    static final int HEADER = 6;
    static final long LOW = 8 << 10, HIGH_BASE = 12 << 10, HIGH = 4 << 10;
    static final long DESC = 0, AVAIL = 0x400, USED = 0x800;
    private static final GuestMemory MEM = GuestMemory.of(
            new MemoryRegion(0, Arena.global().allocate(LOW, 4096)),
            new MemoryRegion(HIGH_BASE, Arena.global().allocate(HIGH, 4096)));

    @FuzzTest
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void popValid(byte[] input) {
        pop(input);
    }

    /** Runs one input; returns the chains popped (valid ones, each checked). */
    static int pop(byte[] input) {
        byte[] in = input.length >= HEADER ? input : Arrays.copyOf(input, HEADER);
        int size = 1 << Math.min(in[0] & 7, 6); // 1..64: the table ends below AVAIL
        boolean eventIdx = (in[1] & 1) != 0, indirect = (in[1] & 2) != 0;
        int nextAvail = u16(in, 2), nextUsed = u16(in, 4);
        MemorySegment low = MEM.slice(0, LOW), high = MEM.slice(HIGH_BASE, HIGH);
        low.fill((byte) 0);
        high.fill((byte) 0);
        MemorySegment ram = MemorySegment.ofArray(in).asSlice(HEADER);
        long n = Math.min(ram.byteSize(), LOW);
        MemorySegment.copy(ram, 0, low, 0, n);
        MemorySegment.copy(ram, n, high, 0, Math.min(ram.byteSize() - n, HIGH));

        Virtqueue q = Virtqueue.restore(
                MEM, new QueueConfig(size, DESC, AVAIL, USED), eventIdx, indirect, nextAvail, nextUsed);
        // avail.idx is at most `size` ahead, and each popValid consumes at least one entry.
        int chains = 0;
        for (int pops = 0; pops <= size; pops++) {
            DescriptorChain c;
            try {
                c = q.popValid("fuzz");
            } catch (VirtioProtocolException e) {
                return chains; // a broken ring: the device needs a reset
            }
            if (c == null) return chains;
            check(c, size);
            chains++;
        }
        fail("popped more chains than the queue holds");
        return chains;
    }

    private static int u16(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    /** A chain the device may use: head in range, every buffer in RAM, and its bytes reachable. */
    static void check(DescriptorChain c, int size) {
        assertTrue(c.head() >= 0 && c.head() < size, "head " + c.head());
        assertTrue(
                c.descriptors().size() <= size + Virtqueue.MAX_INDIRECT,
                "chain of " + c.descriptors().size());
        long total = 0;
        boolean sawWritable = false;
        for (Descriptor d : c.descriptors()) {
            long len = Integer.toUnsignedLong(d.length());
            assertTrue(MEM.contains(d.address(), len), "buffer outside RAM: " + d);
            assertTrue(!sawWritable || d.writable(), "readable after writable: " + c);
            sawWritable |= d.writable();
            total += len;
        }
        assertEquals(total, c.readable().length() + c.writable().length());
        // A device touches the first and last byte of each stream: a segment outside RAM would fault.
        for (GuestBuffers b : new GuestBuffers[] {c.readable(), c.writable()}) {
            if (b.length() == 0) continue;
            b.writeByte(0, b.readBytes(0, 1)[0]);
            b.readBytes(b.length() - 1, 1);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Seeds. The checked-in inputs are written by SeedWriter.main; this test keeps them meaningful
    // (a seed that stopped reaching a valid chain would leave the fuzzer to rediscover the format).

    private static final Path SEEDS =
            Path.of("src/test/resources/io/jvmm/virtio/queue/VirtqueueFuzzTestInputs/popValid");

    @Test
    void seedsReachValidChainsOfEveryShape() throws IOException {
        for (var seed : SeedWriter.seeds().entrySet()) {
            byte[] onDisk = Files.readAllBytes(SEEDS.resolve(seed.getKey()));
            assertTrue(Arrays.equals(seed.getValue(), onDisk), seed.getKey() + " differs from SeedWriter's");
        }
        assertEquals(2, pop(SeedWriter.seeds().get("direct-chains")));
        assertEquals(1, pop(SeedWriter.seeds().get("indirect-table")));
        assertEquals(2, pop(SeedWriter.seeds().get("index-wraps")));
        assertEquals(1, pop(SeedWriter.seeds().get("loop-then-valid")), "the loop is refused, the next chain popped");
        assertEquals(0, pop(SeedWriter.seeds().get("across-the-hole")));
    }

    /** Builds the seed inputs; {@code main} writes them into the inputs directory. */
    static final class SeedWriter {
        private static final ValueLayout.OfShort U16 =
                ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final ValueLayout.OfLong U64 =
                ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        private static final int F_NEXT = Virtqueue.VIRTQ_DESC_F_NEXT,
                F_WRITE = Virtqueue.VIRTQ_DESC_F_WRITE,
                F_INDIRECT = Virtqueue.VIRTQ_DESC_F_INDIRECT;

        private final MemorySegment b;
        private final int size;

        /** An input for a queue of {@code size}, with RAM up to {@code ramEnd} (a guest address). */
        private SeedWriter(int size, int features, int nextAvail, long ramEnd) {
            this.size = size;
            long ramBytes = ramEnd <= LOW ? ramEnd : LOW + (ramEnd - HIGH_BASE);
            b = MemorySegment.ofArray(new byte[(int) (HEADER + ramBytes)]);
            b.set(ValueLayout.JAVA_BYTE, 0, (byte) Integer.numberOfTrailingZeros(size));
            b.set(ValueLayout.JAVA_BYTE, 1, (byte) features);
            b.set(U16, 2, (short) nextAvail);
            b.set(U16, 4, (short) nextAvail);
        }

        private long at(long gpa) {
            return HEADER + (gpa < LOW ? gpa : LOW + gpa - HIGH_BASE);
        }

        private SeedWriter desc(long table, int i, long addr, int len, int flags, int next) {
            long d = at(table + 16L * i);
            b.set(U64, d, addr);
            b.set(U32, d + 8, len);
            b.set(U16, d + 12, (short) flags);
            b.set(U16, d + 14, (short) next);
            return this;
        }

        private SeedWriter desc(int i, long addr, int len, int flags, int next) {
            return desc(DESC, i, addr, len, flags, next);
        }

        /** Publishes {@code heads} after {@code nextAvail}. */
        private SeedWriter avail(int nextAvail, int... heads) {
            for (int k = 0; k < heads.length; k++)
                b.set(U16, at(AVAIL + 4 + 2L * ((nextAvail + k) & (size - 1))), (short) heads[k]);
            b.set(U16, at(AVAIL + 2), (short) (nextAvail + heads.length));
            return this;
        }

        private byte[] bytes() {
            return b.toArray(ValueLayout.JAVA_BYTE);
        }

        static Map<String, byte[]> seeds() {
            Map<String, byte[]> s = new TreeMap<>();
            // RAM past the input is zero: an input needs only the table, the ring and any indirect table.
            s.put(
                    "direct-chains",
                    new SeedWriter(8, 0, 0, AVAIL + 0x20)
                            .desc(0, 0xc00, 16, F_NEXT, 1)
                            .desc(1, 0xd00, 100, F_NEXT, 2)
                            .desc(2, HIGH_BASE, 64, F_WRITE, 0)
                            .desc(3, 0xf00, 1, F_WRITE, 0)
                            .avail(0, 0, 3)
                            .bytes());
            s.put(
                    "indirect-table",
                    new SeedWriter(4, 3, 0, 0x530)
                            .desc(0, 0x500, 48, F_INDIRECT, 0)
                            .desc(0x500, 0, 0x1000, 12, F_NEXT, 1)
                            .desc(0x500, 1, 0x1100, 512, F_NEXT | F_WRITE, 2)
                            .desc(0x500, 2, HIGH_BASE + 0x200, 1, F_WRITE, 0)
                            .avail(0, 0)
                            .bytes());
            s.put(
                    "index-wraps",
                    new SeedWriter(2, 1, 0xffff, AVAIL + 0x20)
                            .desc(0, 0xc00, 8, 0, 0)
                            .desc(1, 0xd00, 8, F_WRITE, 0)
                            .avail(0xffff, 1, 0)
                            .bytes());
            s.put(
                    "loop-then-valid",
                    new SeedWriter(4, 0, 0, AVAIL + 0x20)
                            .desc(0, 0xc00, 8, F_NEXT, 1)
                            .desc(1, 0xc00, 8, F_NEXT, 0)
                            .desc(2, 0xd00, 8, F_WRITE, 0)
                            .avail(0, 0, 2)
                            .bytes());
            s.put(
                    "across-the-hole",
                    new SeedWriter(1, 0, 0, AVAIL + 0x20)
                            .desc(0, LOW - 8, 16, F_WRITE, 0)
                            .avail(0, 0)
                            .bytes());
            return s;
        }

        public static void main(String[] args) throws IOException {
            Files.createDirectories(SEEDS);
            for (var e : seeds().entrySet()) Files.write(SEEDS.resolve(e.getKey()), e.getValue());
        }
    }
}
