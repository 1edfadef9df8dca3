package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HostInfoTest {
    private static long parse(String s) {
        return HostInfo.memTotalMib(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    @Test
    void readsMemTotalWhereverItIs() {
        assertEquals(24043, parse("MemTotal:       24620900 kB\nMemFree:         1000 kB\n"));
        assertEquals(2, parse("MemFree:  1 kB\nMemTotal: 2048 kB\n"));
        assertEquals(-1, parse("MemFree:  1 kB\nXMemTotal: 2048 kB\n"), "only a whole key counts");
    }

    @Test
    void malformedGivesNoLimit() {
        assertEquals(-1, parse(""));
        assertEquals(-1, parse("MemTotal: kB\n"));
        assertEquals(-1, parse("MemFree: 5 kB\n"));
    }

    @Test
    void thisHostHasSome() {
        assertTrue(HostInfo.totalMemoryMib() > 0, "this host's /proc/meminfo");
    }
}
