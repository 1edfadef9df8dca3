package io.jvmm.loader;

import io.jvmm.memory.GuestMemory;
import io.jvmm.memory.MemoryRegion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Shared fixtures: fake guest RAM and temp files. */
final class TestFiles {
    private TestFiles() {}

    static GuestMemory ram(long size) {
        return GuestMemory.of(Arena.ofAuto().allocate(size, 4096));
    }

    /** Two regions around a hole: [0, lowSize) and [highStart, highStart + highSize). */
    static GuestMemory ramWithHole(long lowSize, long highStart, long highSize) {
        Arena a = Arena.ofAuto();
        return GuestMemory.of(
                new MemoryRegion(0, a.allocate(lowSize, 4096)),
                new MemoryRegion(highStart, a.allocate(highSize, 4096)));
    }

    /** Fills all of guest RAM with a recognizable pattern so untouched bytes can be checked. */
    static void poison(GuestMemory mem, byte value) {
        for (MemoryRegion r : mem.regions()) r.segment().fill(value);
    }

    static byte[] snapshot(GuestMemory mem) {
        long total = mem.totalSize();
        byte[] out = new byte[(int) total];
        int at = 0;
        for (MemoryRegion r : mem.regions()) {
            MemorySegment.copy(r.segment(), ValueLayout.JAVA_BYTE, 0, out, at, (int) r.size());
            at += (int) r.size();
        }
        return out;
    }

    static Path write(Path dir, String name, byte[] bytes) {
        try {
            return Files.write(dir.resolve(name), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] random(long seed, int n) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
