package io.jvmm.runtime.boot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class DidYouMeanTest {
    private static final List<String> KEYS = List.of("cores", "memory", "kernel", "initrd", "cmdline", "ref");

    @Test
    void distanceCountsTranspositionAsOneEdit() {
        assertEquals(1, DidYouMean.distance("memroy", "memory"));
        assertEquals(3, DidYouMean.distance("kitten", "sitting"));
        assertEquals(0, DidYouMean.distance("ref", "ref"));
        assertEquals(3, DidYouMean.distance("", "abc"));
    }

    @Test
    void suggestsClosestWithinTheTypoBudget() {
        assertEquals("memory", DidYouMean.suggest("memroy", KEYS));
        assertEquals("kernel", DidYouMean.suggest("KERNL", KEYS));
        assertEquals("initrd", DidYouMean.suggest("initramfs", KEYS)); // a synonym, not a typo
        assertNull(DidYouMean.suggest("name", KEYS));
        assertNull(DidYouMean.suggest("zzzzzz", KEYS));
    }
}
