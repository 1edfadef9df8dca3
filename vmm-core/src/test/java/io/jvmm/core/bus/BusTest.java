package io.jvmm.core.bus;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BusTest {
    private final List<String> log = new ArrayList<>();

    private BusDevice dev(String name) {
        return new BusDevice() {
            public void read(long offset, MemorySegment data) {
                log.add(name + " r " + offset);
                data.fill((byte) 7);
            }

            public void write(long offset, MemorySegment data) {
                log.add(name + " w " + offset);
            }
        };
    }

    @Test
    void routesByRangeWithRelativeOffsets() {
        Bus bus = new Bus("pio");
        bus.register(0x3f8, 8, "a", dev("a"));
        bus.register(0x60, 1, "b", dev("b"));
        MemorySegment d = Arena.ofAuto().allocate(1);
        bus.write(0x3fd, d);
        bus.read(0x60, d);
        bus.write(0x400, d);
        assertEquals(List.of("a w 5", "b r 0"), log);
        assertEquals(1, bus.unhandledCount());
    }

    @Test
    void unclaimedReadsAreAllOnes() {
        Bus bus = new Bus("mmio");
        MemorySegment d = Arena.ofAuto().allocate(4);
        bus.read(0xd000_0000L, d);
        assertEquals(-1, d.get(ValueLayout.JAVA_INT, 0));
    }

    @Test
    void overlapsAreRejected() {
        Bus bus = new Bus("pio");
        bus.register(0x60, 5, "a", dev("a"));
        assertThrows(IllegalArgumentException.class, () -> bus.register(0x64, 1, "b", dev("b")));
        bus.register(0x65, 1, "c", dev("c"));
    }
}
