package io.jvmm.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;

/**
 * Guest physical memory as the devices and the loader see it (rust-vmm's vm-memory, consumer side).
 *
 * <p>Every accessor checks the whole range against the RAM regions first and throws
 * {@link GuestMemoryException} otherwise, so a guest-supplied address can never reach host memory
 * outside guest RAM. A range must lie inside one region: RAM regions are not contiguous (the 32-bit
 * MMIO hole), and a buffer that straddles them is a guest error. Multi-byte values are little-endian,
 * as on x86 and in virtio.
 */
public interface GuestMemory {
    ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The RAM regions, sorted by guest address, not overlapping. */
    List<MemoryRegion> regions();

    /** Total bytes of RAM (the sum of the regions; holes excluded). */
    default long totalSize() {
        long total = 0;
        for (MemoryRegion r : regions()) total += r.size();
        return total;
    }

    /** True when {@code [gpa, gpa + len)} lies inside one RAM region. */
    default boolean contains(long gpa, long len) {
        for (MemoryRegion r : regions()) {
            if (r.contains(gpa, len)) return true;
        }
        return false;
    }

    /**
     * A view of {@code [gpa, gpa + len)}: the segment the devices read and write. Throws
     * {@link GuestMemoryException} unless the range lies inside one RAM region.
     */
    default MemorySegment slice(long gpa, long len) {
        for (MemoryRegion r : regions()) {
            if (r.contains(gpa, len)) return r.segment().asSlice(gpa - r.guestAddress(), len);
        }
        throw new GuestMemoryException(gpa, len);
    }

    default byte readByte(long gpa) {
        return slice(gpa, 1).get(ValueLayout.JAVA_BYTE, 0);
    }

    default void writeByte(long gpa, byte v) {
        slice(gpa, 1).set(ValueLayout.JAVA_BYTE, 0, v);
    }

    default short readShort(long gpa) {
        return slice(gpa, 2).get(U16, 0);
    }

    default void writeShort(long gpa, short v) {
        slice(gpa, 2).set(U16, 0, v);
    }

    default int readInt(long gpa) {
        return slice(gpa, 4).get(U32, 0);
    }

    default void writeInt(long gpa, int v) {
        slice(gpa, 4).set(U32, 0, v);
    }

    default long readLong(long gpa) {
        return slice(gpa, 8).get(U64, 0);
    }

    default void writeLong(long gpa, long v) {
        slice(gpa, 8).set(U64, 0, v);
    }

    /** Copies {@code dst.length} bytes from guest memory at {@code gpa}. */
    default void read(long gpa, byte[] dst) {
        read(gpa, dst, 0, dst.length);
    }

    default void read(long gpa, byte[] dst, int off, int len) {
        MemorySegment.copy(slice(gpa, len), ValueLayout.JAVA_BYTE, 0, dst, off, len);
    }

    /** Copies {@code src} into guest memory at {@code gpa}. */
    default void write(long gpa, byte[] src) {
        write(gpa, src, 0, src.length);
    }

    default void write(long gpa, byte[] src, int off, int len) {
        MemorySegment.copy(src, off, slice(gpa, len), ValueLayout.JAVA_BYTE, 0, len);
    }

    /** Copies all of {@code src} into guest memory at {@code gpa}. */
    default void write(long gpa, MemorySegment src) {
        MemorySegment.copy(src, 0, slice(gpa, src.byteSize()), 0, src.byteSize());
    }

    /** Zeroes {@code [gpa, gpa + len)}. */
    default void fill(long gpa, long len, byte value) {
        slice(gpa, len).fill(value);
    }

    /** Guest memory made of the given regions (checked for order and overlap). */
    static GuestMemory of(MemoryRegion... regions) {
        return new RegionGuestMemory(List.of(regions));
    }

    /** A single region at guest address 0: what tests and the loader's fixtures use. */
    static GuestMemory of(MemorySegment ramAtZero) {
        return of(new MemoryRegion(0, ramAtZero));
    }
}
