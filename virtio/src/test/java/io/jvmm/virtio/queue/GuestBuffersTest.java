package io.jvmm.virtio.queue;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** GuestBuffers as one byte stream over many segments, checked against a flat array. */
class GuestBuffersTest {
    private final Arena arena = Arena.ofAuto();

    /** Random segment sizes (zero-length ones included) filled with the bytes of {@code flat}. */
    private GuestBuffers buffers(Random r, byte[] flat) {
        List<MemorySegment> segs = new ArrayList<>();
        int pos = 0;
        while (pos < flat.length) {
            int n = r.nextInt(5) == 0 ? 0 : 1 + r.nextInt(Math.min(flat.length - pos, 300));
            MemorySegment s = arena.allocate(Math.max(n, 1)).asSlice(0, n);
            MemorySegment.copy(flat, pos, s, ValueLayout.JAVA_BYTE, 0, n);
            segs.add(s);
            pos += n;
        }
        return new GuestBuffers(segs.toArray(new MemorySegment[0]));
    }

    private static byte[] flatten(GuestBuffers b) {
        byte[] out = new byte[(int) b.length()];
        int pos = 0;
        for (MemorySegment s : b.segments()) {
            MemorySegment.copy(s, ValueLayout.JAVA_BYTE, 0, out, pos, (int) s.byteSize());
            pos += (int) s.byteSize();
        }
        return out;
    }

    @Test
    void readsWritesAndFillsMatchAFlatArray() {
        Random r = new Random(7);
        for (int round = 0; round < 2000; round++) {
            byte[] model = new byte[1 + r.nextInt(1500)];
            r.nextBytes(model);
            GuestBuffers b = buffers(r, model);
            assertEquals(model.length, b.length());
            int off = r.nextInt(model.length + 1), len = r.nextInt(model.length - off + 1);

            byte[] got = b.readBytes(off, len);
            assertArrayEquals(Arrays.copyOfRange(model, off, off + len), got, "read round " + round);

            byte[] data = new byte[len];
            r.nextBytes(data);
            b.write(off, data);
            System.arraycopy(data, 0, model, off, len);
            assertArrayEquals(model, flatten(b), "write round " + round);

            int foff = r.nextInt(model.length + 1), flen = r.nextInt(model.length - foff + 1);
            b.fill(foff, flen, (byte) 0x5a);
            Arrays.fill(model, foff, foff + flen, (byte) 0x5a);
            assertArrayEquals(model, flatten(b), "fill round " + round);

            long sliced = b.slices(off, len).stream()
                    .mapToLong(MemorySegment::byteSize)
                    .sum();
            assertEquals(len, sliced, "slices cover exactly the range");
        }
    }

    @Test
    void rangesOutsideTheStreamAreRefused() {
        GuestBuffers b = buffers(new Random(1), new byte[100]);
        assertThrows(IndexOutOfBoundsException.class, () -> b.readBytes(90, 11));
        assertThrows(IndexOutOfBoundsException.class, () -> b.write(-1, new byte[1]));
        assertThrows(IndexOutOfBoundsException.class, () -> b.write(100, new byte[1]));
        assertThrows(IndexOutOfBoundsException.class, () -> b.fill(50, 51, (byte) 0));
        assertEquals(0, b.readBytes(100, 0).length);
    }
}
