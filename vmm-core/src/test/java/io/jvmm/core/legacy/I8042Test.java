package io.jvmm.core.legacy;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class I8042Test {
    private final AtomicInteger resets = new AtomicInteger();
    private final I8042 kbd = new I8042(resets::incrementAndGet);
    private final MemorySegment b = Arena.ofAuto().allocate(1);

    private void write(int off, int v) {
        b.set(ValueLayout.JAVA_BYTE, 0, (byte) v);
        kbd.write(off, b);
    }

    private int read(int off) {
        kbd.read(off, b);
        return b.get(ValueLayout.JAVA_BYTE, 0) & 0xff;
    }

    @Test
    void resetCommandResetsTheCpu() {
        assertEquals(0, read(4) & 0x02); // input buffer empty: Linux's kb_wait() passes
        write(4, 0xfe);
        assertEquals(1, resets.get());
    }

    @Test
    void answersSelfTestAndConfigByte() {
        write(4, 0xaa);
        assertEquals(1, read(4) & 1);
        assertEquals(0x55, read(0));
        assertEquals(0, read(4) & 1);
        write(4, 0x60);
        write(0, 0x47);
        write(4, 0x20);
        assertEquals(0x47, read(0));
        assertEquals(0, resets.get());
    }
}
