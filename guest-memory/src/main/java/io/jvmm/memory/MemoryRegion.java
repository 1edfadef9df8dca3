package io.jvmm.memory;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One contiguous run of guest RAM: guest-physical {@code [guestAddress, guestAddress + size())}
 * backed by {@code segment}.
 */
public record MemoryRegion(long guestAddress, MemorySegment segment) {
    public MemoryRegion {
        Objects.requireNonNull(segment, "segment");
        if (guestAddress < 0) throw new IllegalArgumentException("negative guest address");
        if (Long.MAX_VALUE - guestAddress < segment.byteSize()) throw new IllegalArgumentException("region wraps");
    }

    public long size() {
        return segment.byteSize();
    }

    public long end() {
        return guestAddress + segment.byteSize();
    }

    /** True when {@code [gpa, gpa + len)} lies wholly inside this region (no overflow possible). */
    public boolean contains(long gpa, long len) {
        return len >= 0 && gpa >= guestAddress && gpa - guestAddress <= size() - len;
    }
}
