package io.jvmm.kvm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Real-mode guests whose exits must decode to the right {@link VcpuExit}. */
class VcpuRunTest {
    @BeforeAll
    static void kvm() {
        assumeTrue(Kvm.isAvailable(), Kvm.unavailabilityCause());
    }

    private static byte[] code(int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) b[i] = (byte) bytes[i];
        return b;
    }

    private static <T extends VcpuExit> T next(TinyGuest g, Class<T> type) {
        VcpuExit exit = g.vcpu.run();
        return assertInstanceOf(type, exit, "got " + exit);
    }

    @Test
    void outToSerialPortThenHlt() {
        // mov dx,0x3f8; mov al,'A'; out dx,al; hlt   (no irqchip, so HLT reaches user space)
        try (TinyGuest g = new TinyGuest(code(0xBA, 0xF8, 0x03, 0xB0, 0x41, 0xEE, 0xF4))) {
            VcpuExit.IoOut out = next(g, VcpuExit.IoOut.class);
            assertEquals(0x3f8, out.port());
            assertEquals(1, out.size());
            assertEquals(1, out.count());
            assertArrayEquals(new byte[] {'A'}, out.data().toArray(ValueLayout.JAVA_BYTE));
            next(g, VcpuExit.Hlt.class);
        }
    }

    @Test
    void wordOutDecodesSizeTwoLittleEndian() {
        // mov dx,0x80; mov ax,0xbeef; out dx,ax; hlt
        try (TinyGuest g = new TinyGuest(code(0xBA, 0x80, 0x00, 0xB8, 0xEF, 0xBE, 0xEF, 0xF4))) {
            VcpuExit.IoOut out = next(g, VcpuExit.IoOut.class);
            assertEquals(0x80, out.port());
            assertEquals(2, out.size());
            assertEquals((short) 0xbeef, out.data().get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
            next(g, VcpuExit.Hlt.class);
        }
    }

    @Test
    void ioInValueWrittenByTheVmmReachesTheGuest() {
        // mov dx,0x3f8; in al,dx; mov dx,0x3f9; out dx,al; hlt
        try (TinyGuest g = new TinyGuest(code(0xBA, 0xF8, 0x03, 0xEC, 0xBA, 0xF9, 0x03, 0xEE, 0xF4))) {
            VcpuExit.IoIn in = next(g, VcpuExit.IoIn.class);
            assertEquals(0x3f8, in.port());
            assertEquals(1, in.size());
            in.data().set(ValueLayout.JAVA_BYTE, 0, (byte) 0x5A);
            VcpuExit.IoOut out = next(g, VcpuExit.IoOut.class);
            assertEquals(0x3f9, out.port());
            assertArrayEquals(new byte[] {0x5A}, out.data().toArray(ValueLayout.JAVA_BYTE));
            next(g, VcpuExit.Hlt.class);
        }
    }

    @Test
    void mmioWriteAndReadOutsideRam() {
        // mov ax,0x2000; mov ds,ax            (ds base 0x20000: past the 64 KiB of RAM)
        // mov byte [0x10],0x42                -> MmioWrite(0x20010, [0x42])
        // mov al,[0x20]                       -> MmioRead(0x20020, 1), VMM answers 0x77
        // mov dx,0x3f8; out dx,al; hlt        -> IoOut(0x3f8, [0x77])
        try (TinyGuest g = new TinyGuest(code(
                0xB8, 0x00, 0x20, 0x8E, 0xD8, 0xC6, 0x06, 0x10, 0x00, 0x42, 0xA0, 0x20, 0x00, 0xBA, 0xF8, 0x03, 0xEE,
                0xF4))) {
            VcpuExit.MmioWrite write = next(g, VcpuExit.MmioWrite.class);
            assertEquals(0x20010, write.address());
            assertEquals(1, write.length());
            assertArrayEquals(new byte[] {0x42}, write.data().toArray(ValueLayout.JAVA_BYTE));
            VcpuExit.MmioRead read = next(g, VcpuExit.MmioRead.class);
            assertEquals(0x20020, read.address());
            assertEquals(1, read.length());
            read.data().set(ValueLayout.JAVA_BYTE, 0, (byte) 0x77);
            VcpuExit.IoOut out = next(g, VcpuExit.IoOut.class);
            assertArrayEquals(new byte[] {0x77}, out.data().toArray(ValueLayout.JAVA_BYTE));
            next(g, VcpuExit.Hlt.class);
        }
    }

    @Test
    void mmioDwordWrite() {
        // mov ax,0x2000; mov ds,ax; mov dword [0x4],0x11223344 (66 C7 06 04 00 44 33 22 11); hlt
        try (TinyGuest g = new TinyGuest(
                code(0xB8, 0x00, 0x20, 0x8E, 0xD8, 0x66, 0xC7, 0x06, 0x04, 0x00, 0x44, 0x33, 0x22, 0x11, 0xF4))) {
            VcpuExit.MmioWrite write = next(g, VcpuExit.MmioWrite.class);
            assertEquals(0x20004, write.address());
            assertEquals(4, write.length());
            assertEquals(0x11223344, write.data().get(ValueLayout.JAVA_INT_UNALIGNED, 0));
            next(g, VcpuExit.Hlt.class);
        }
    }
}
