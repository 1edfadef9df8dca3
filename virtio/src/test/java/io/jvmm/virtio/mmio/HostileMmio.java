package io.jvmm.virtio.mmio;

import io.jvmm.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;

/** What the hostile-driver property tests do to a transport: register accesses and RAM at random. */
public final class HostileMmio {
    private HostileMmio() {}

    /**
     * {@code steps} register reads or writes of any width at any offset (a quarter anywhere in the
     * page, the rest on the register file's words), and now and then a random word over the first
     * {@code ramBytes} of RAM.
     */
    public static void randomAccesses(MmioTransport t, GuestMemory mem, long ramBytes, Random r, int steps) {
        for (int step = 0; step < steps; step++) {
            int width = new int[] {1, 2, 4, 8}[r.nextInt(4)];
            long offset = r.nextInt(4) == 0 ? r.nextInt(0x1000) : 4L * r.nextInt(0x48);
            MemorySegment data = MemorySegment.ofArray(new byte[width]);
            if (r.nextBoolean()) {
                for (int i = 0; i < width; i++) data.set(ValueLayout.JAVA_BYTE, i, (byte) r.nextInt());
                t.write(offset, data);
            } else {
                t.read(offset, data);
            }
            if (r.nextInt(10) == 0) mem.writeInt(r.nextLong(ramBytes / 4) * 4L, r.nextInt());
        }
    }

    /** A 32-bit register write. */
    public static void write(MmioTransport t, int offset, int value) {
        MemorySegment d = MemorySegment.ofArray(new byte[4]);
        d.set(ValueLayout.JAVA_INT_UNALIGNED, 0, value);
        t.write(offset, d);
    }
}
