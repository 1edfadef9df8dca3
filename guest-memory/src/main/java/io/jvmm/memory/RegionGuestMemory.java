package io.jvmm.memory;

import java.lang.foreign.MemorySegment;
import java.util.List;

/** {@link GuestMemory} over a fixed, sorted list of regions. Thread-safe: it holds no mutable state. */
final class RegionGuestMemory implements GuestMemory {
    private final List<MemoryRegion> regions;
    // The common case is one or two regions; a linear scan beats anything cleverer.
    private final MemoryRegion[] array;

    RegionGuestMemory(List<MemoryRegion> regions) {
        if (regions.isEmpty()) throw new IllegalArgumentException("guest memory needs at least one region");
        for (int i = 1; i < regions.size(); i++) {
            if (regions.get(i).guestAddress() < regions.get(i - 1).end()) {
                throw new IllegalArgumentException("memory regions overlap or are not sorted");
            }
        }
        this.regions = List.copyOf(regions);
        this.array = this.regions.toArray(MemoryRegion[]::new);
    }

    @Override
    public List<MemoryRegion> regions() {
        return regions;
    }

    @Override
    public boolean contains(long gpa, long len) {
        for (MemoryRegion r : array) {
            if (r.contains(gpa, len)) return true;
        }
        return false;
    }

    @Override
    public MemorySegment slice(long gpa, long len) {
        for (MemoryRegion r : array) {
            if (r.contains(gpa, len)) return r.segment().asSlice(gpa - r.guestAddress(), len);
        }
        throw new GuestMemoryException(gpa, len);
    }
}
