package io.jvmm.core.arch.x86;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class GdtTest {
    @Test
    void encodesLikeTheSdm() {
        // Reference values: Firecracker's gdt.rs tests.
        assertEquals(0x00af9b000000ffffL, Gdt.entry(Gdt.CODE64, 0, 0xfffff));
        assertEquals(0x00cf93000000ffffL, Gdt.entry(Gdt.DATA, 0, 0xfffff));
        assertEquals(0x00808b0000000067L, Gdt.entry(Gdt.TSS64, 0, 0x67));
    }

    @Test
    void decodesSegments() {
        Gdt.Segment cs = Gdt.Segment.of(0x10, Gdt.CODE64, 0, 0xfffff);
        assertEquals(1, cs.l());
        assertEquals(0, cs.db());
        assertEquals(0xffffffff, cs.limit());
        assertEquals(0xb, cs.type());
        Gdt.Segment cs32 = Gdt.Segment.of(0x10, Gdt.CODE32, 0, 0xfffff);
        assertEquals(0, cs32.l());
        assertEquals(1, cs32.db());
        Gdt.Segment tss = Gdt.Segment.of(0x20, Gdt.TSS32, 0, 0x67);
        assertEquals(0x67, tss.limit());
        assertEquals(0, tss.s());
    }
}
