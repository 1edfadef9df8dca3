package io.jvmm.virtio;

import io.jvmm.memory.GuestMemory;
import java.lang.foreign.Arena;

/** Fake guest RAM for device tests: native (so aligned ring accesses work) and page-aligned, at GPA 0. */
public final class TestMemory {
    public static GuestMemory of(long bytes) {
        return GuestMemory.of(Arena.ofAuto().allocate(bytes, 4096));
    }

    private TestMemory() {}
}
