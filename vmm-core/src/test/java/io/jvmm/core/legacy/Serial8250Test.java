package io.jvmm.core.legacy;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class Serial8250Test {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final List<Boolean> irq = new ArrayList<>();
    private final Serial8250 uart = new Serial8250(out, irq::add);
    private final MemorySegment b = Arena.ofAuto().allocate(1);

    private void write(int reg, int v) {
        b.set(ValueLayout.JAVA_BYTE, 0, (byte) v);
        uart.write(reg, b);
    }

    private int read(int reg) {
        uart.read(reg, b);
        return b.get(ValueLayout.JAVA_BYTE, 0) & 0xff;
    }

    @Test
    void transmitsToOutput() {
        write(0, 'h');
        write(0, 'i');
        assertEquals("hi", out.toString());
        assertEquals(0x60, read(5) & 0x60); // THR empty, transmitter empty
    }

    @Test
    void divisorLatchDoesNotTransmit() {
        write(3, 0x80);
        write(0, 0x01);
        write(1, 0x00);
        assertEquals(0x01, read(0));
        write(3, 0x03);
        assertEquals("", out.toString());
    }

    @Test
    void thrEmptyInterruptRaisedOnEnableAndAcknowledgedByIirRead() {
        write(1, 0x02); // IER.THRI
        assertEquals(List.of(true), irq);
        assertEquals(0x02, read(2) & 0x0f);
        assertEquals(List.of(true, false), irq);
        assertEquals(0x01, read(2) & 0x0f); // no interrupt pending
        write(0, 'x'); // transmitting re-arms THRI
        assertEquals(List.of(true, false, true), irq);
    }

    @Test
    void receivedDataRaisesRdiUntilDrained() {
        write(1, 0x01);
        uart.receive(new byte[] {'a', 'b'}, 2);
        assertEquals(List.of(true), irq);
        assertEquals(0x04, read(2) & 0x0f);
        assertEquals(1, read(5) & 1);
        assertEquals('a', read(0));
        assertEquals('b', read(0));
        assertEquals(0, read(5) & 1);
        assertEquals(List.of(true, false), irq);
    }

    @Test
    void overrunIsReportedOnce() {
        byte[] lots = new byte[100];
        uart.receive(lots, lots.length);
        assertEquals(0x02, read(5) & 0x02);
        assertEquals(0, read(5) & 0x02);
        assertFalse(uart.canReceive());
    }

    @Test
    void loopbackEchoesAndMirrorsModemLines() {
        write(4, 0x10 | 0x0f);
        write(0, 'z');
        assertEquals("", out.toString());
        assertEquals('z', read(0));
        assertEquals(0xf0, read(6) & 0xf0);
    }

    @Test
    void scratchRegisterHoldsItsValue() {
        write(7, 0x5a);
        assertEquals(0x5a, read(7));
    }
}
