package io.jvmm.core.cpu;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class GuestProfileTest {
    @Test
    void withoutSymbolsAddressesAreGroupedByPage() {
        GuestProfile p = new GuestProfile(
                Map.of(0xffffffff81000010L, 3L, 0xffffffff81000ff0L, 2L, 0x1234L, 1L), 4, 250, 2_000_000_000L);
        assertEquals(10, p.samples());
        assertEquals(Map.of("0xffffffff81000000", 5L, "0x1000", 1L), p.byFunction(Optional.empty()));
        String report = p.report(Optional.empty(), 1);
        assertTrue(
                report.startsWith("guest profile: 10 samples at 250 Hz over 2.0 s; kernel 6 (60.0%), user 4 (40.0%)"),
                report);
        assertTrue(report.contains("no kernel symbols"), report);
        assertTrue(report.contains("        5  50.00  0xffffffff81000000"), report);
        assertFalse(report.contains("0x1000\n"), "only the top row: " + report);
    }
}
