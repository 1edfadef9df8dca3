package io.jvmm.core.irq;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The IOAPIC model on its own: registers, masking, edge and level delivery, EOI, routes, state. */
class IoApicTest {
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    record Msi(long address, int data) {}

    final List<Msi> sent = new ArrayList<>();
    final List<int[]> routes = new ArrayList<>();
    final IoApic ioapic = new IoApic(2, new IoApic.Delivery() {
        public void msi(long address, int data) {
            sent.add(new Msi(address, data));
        }

        public void levelRoutes(int[] gsis, long[] addresses, int[] data) {
            routes.add(gsis.clone());
        }
    });

    private void write32(long offset, int value) {
        MemorySegment s = Arena.ofAuto().allocate(4);
        s.set(U32, 0, value);
        ioapic.write(offset, s);
    }

    private int read32(long offset) {
        MemorySegment s = Arena.ofAuto().allocate(4);
        ioapic.read(offset, s);
        return s.get(U32, 0);
    }

    private void writeReg(int reg, int value) {
        write32(0x00, reg);
        write32(0x10, value);
    }

    private int readReg(int reg) {
        write32(0x00, reg);
        return read32(0x10);
    }

    /** Programs pin's entry: vector, destination APIC id, level or edge, masked or not. */
    private void program(int pin, int vector, int dest, boolean level, boolean masked) {
        writeReg(0x11 + 2 * pin, dest << 24);
        writeReg(0x10 + 2 * pin, vector | (level ? 1 << 15 : 0) | (masked ? 1 << 16 : 0));
    }

    @Test
    void identifiesItselfAsA24PinVersion0x20IoApic() {
        assertEquals(2 << 24, readReg(0x00));
        assertEquals(0x0017_0020, readReg(0x01));
        assertEquals(2 << 24, readReg(0x02));
        writeReg(0x00, 5 << 24);
        assertEquals(5 << 24, readReg(0x00));
        assertEquals(0, readReg(0x10 + 2 * 24), "beyond the table reads 0");
    }

    @Test
    void everyPinStartsMaskedAndAnEdgeOnAMaskedPinIsIgnored() {
        for (int pin = 0; pin < IoApic.PINS; pin++) assertEquals(1 << 16, readReg(0x10 + 2 * pin), "pin " + pin);
        ioapic.edgeLine(5).trigger();
        assertTrue(sent.isEmpty(), "masked: nothing sent");
        program(5, 0x31, 1, false, false);
        assertTrue(sent.isEmpty(), "nor later: the 82093AA does not hold masked edges");
        ioapic.edgeLine(5).trigger();
        assertEquals(List.of(new Msi(0xfee0_1000L, 0x31)), sent);
    }

    @Test
    void aMaskedLevelPinStillAssertedIsDeliveredWhenUnmasked() {
        program(6, 0x36, 0, true, true);
        ioapic.setLevel(6, true);
        assertTrue(sent.isEmpty());
        program(6, 0x36, 0, true, false);
        assertEquals(List.of(new Msi(0xfee0_0000L, 0x36 | 1 << 15)), sent);
    }

    @Test
    void edgeDeliversOnRisingEdgesOnly() {
        program(4, 0x24, 0, false, false);
        ioapic.setLevel(4, true);
        ioapic.setLevel(4, true);
        ioapic.setLevel(4, false);
        ioapic.setLevel(4, true);
        assertEquals(2, sent.size());
    }

    @Test
    void levelWaitsForTheEoiAndRedeliversWhileAsserted() {
        program(9, 0x41, 0, true, false);
        assertEquals(1, routes.size(), "a level pin's route goes to KVM so it reports the EOI");
        assertArrayEquals(new int[] {9}, routes.get(0));
        ioapic.setLevel(9, true);
        assertEquals(List.of(new Msi(0xfee0_0000L, 0x41 | 1 << 15)), sent);
        assertNotEquals(0, readReg(0x10 + 18) & (1 << 14), "remote IRR set");
        ioapic.setLevel(9, true);
        assertEquals(1, sent.size(), "no second delivery before the EOI");
        ioapic.endOfInterrupt(0x41);
        assertEquals(2, sent.size(), "still asserted: delivered again after the EOI");
        ioapic.setLevel(9, false);
        ioapic.endOfInterrupt(0x41);
        assertEquals(2, sent.size(), "deasserted: nothing more");
        assertEquals(0, readReg(0x10 + 18) & (1 << 14), "remote IRR clear");
    }

    @Test
    void theEoiRegisterActsAsAnEoi() {
        program(9, 0x41, 0, true, false);
        ioapic.setLevel(9, true);
        write32(0x40, 0x41);
        assertEquals(2, sent.size());
    }

    @Test
    void routesChangeOnlyWhenTheLevelPinsDo() {
        program(3, 0x30, 0, false, false);
        assertTrue(routes.isEmpty(), "edge pins need no route");
        program(10, 0x50, 0, true, false);
        program(10, 0x50, 0, true, false);
        assertEquals(1, routes.size(), "the same routes are not set twice");
        program(10, 0x50, 0, true, true);
        assertEquals(2, routes.size());
        assertArrayEquals(new int[0], routes.get(1), "masked: no route");
    }

    @Test
    void readOnlyBitsIgnoreWritesAndLogicalDestinationMode() {
        writeReg(0x10, 0x20 | 1 << 12 | 1 << 14 | 1 << 11); // delivery status, remote IRR: read-only
        assertEquals(0x20 | 1 << 11, readReg(0x10));
        ioapic.edgeLine(0).trigger();
        assertEquals(new Msi(0xfee0_0004L, 0x20), sent.get(0), "logical destination mode in address bit 2");
    }

    @Test
    void badPinsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> ioapic.setLevel(24, true));
        assertThrows(IllegalArgumentException.class, () -> ioapic.edgeLine(-1));
    }

    @Test
    void stateRoundTripsAndRestoresKvmRoutes() {
        program(7, 0x44, 3, true, false);
        ioapic.setLevel(7, true);
        program(2, 0x22, 0, false, true);
        byte[] state = ioapic.saveState();

        List<Msi> sent2 = new ArrayList<>();
        List<int[]> routes2 = new ArrayList<>();
        IoApic copy = new IoApic(0, new IoApic.Delivery() {
            public void msi(long address, int data) {
                sent2.add(new Msi(address, data));
            }

            public void levelRoutes(int[] gsis, long[] addresses, int[] data) {
                routes2.add(gsis.clone());
            }
        });
        copy.restoreState(state);
        assertArrayEquals(state, copy.saveState());
        assertEquals(1, routes2.size());
        assertArrayEquals(new int[] {7}, routes2.get(0));
        copy.endOfInterrupt(0x44);
        assertEquals(List.of(new Msi(0xfee0_3000L, 0x44 | 1 << 15)), sent2, "remote IRR and level came back");
    }

    @Test
    void corruptStateIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> ioapic.restoreState(new byte[7]));
        byte[] s = ioapic.saveState();
        byte[] longer = Arrays.copyOf(s, s.length + 1);
        assertThrows(IllegalArgumentException.class, () -> ioapic.restoreState(longer));
    }
}
