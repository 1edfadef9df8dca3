package io.jvmm.core.memory;

import io.jvmm.core.arch.x86.Layout;
import io.jvmm.kvm.VmFd;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.memory.GuestMemory;
import io.jvmm.memory.MemoryRegion;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * Guest RAM: anonymous host mappings, one per region, registered as KVM memory slots.
 *
 * <p>RAM up to {@link Layout#MMIO_HOLE_START} is one region at guest address 0; anything beyond goes
 * above 4 GiB, so the hole stays free for device MMIO. The E820 map is derived from {@link #regions()},
 * so the map, the slots and the mappings cannot disagree. Pages are mapped lazily by the host kernel
 * (MAP_NORESERVE): untouched guest RAM costs nothing.
 */
public final class GuestRam implements AutoCloseable {
    // Closing the shared arena unmaps every region; a later access through a stale segment then
    // fails with IllegalStateException instead of touching unmapped memory.
    private final Arena arena = Arena.ofShared();
    private final GuestMemory memory;
    private boolean closed;

    /** Anonymous RAM when {@code fd} is -1; else a private (copy-on-write) mapping of the file. */
    private GuestRam(long bytes, int fd) {
        List<MemoryRegion> regions = new ArrayList<>();
        try {
            long fileOffset = 0;
            for (long[] r : split(bytes)) {
                long size = r[1];
                int flags = Libc.MAP_PRIVATE | Libc.MAP_NORESERVE | (fd < 0 ? Libc.MAP_ANONYMOUS : 0);
                MemorySegment m = Libc.mmap(
                                MemorySegment.NULL,
                                size,
                                Libc.PROT_READ | Libc.PROT_WRITE,
                                flags,
                                fd,
                                fd < 0 ? 0 : fileOffset)
                        .reinterpret(size, arena, seg -> Libc.munmap(seg, size));
                regions.add(new MemoryRegion(r[0], m));
                fileOffset += size;
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        this.memory = GuestMemory.of(regions.toArray(MemoryRegion[]::new));
    }

    /**
     * Maps {@code bytes} of RAM from {@code fd} (a snapshot's memory file: the regions one after the
     * other), MAP_PRIVATE: nothing is copied up front, pages come from the page cache on first touch,
     * and the guest's writes stay in this VM. Several VMs mapping one file share its unwritten pages.
     * The caller may close {@code fd} afterwards.
     */
    public static GuestRam mapFile(int fd, long bytes) {
        if (bytes <= 0 || (bytes & 0xfff) != 0)
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB");
        return new GuestRam(bytes, fd);
    }

    /** Maps {@code bytes} of RAM (a multiple of 4 KiB). */
    public static GuestRam allocate(long bytes) {
        if (bytes <= 0 || (bytes & 0xfff) != 0)
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB");
        return new GuestRam(bytes, -1);
    }

    /** {guestAddress, size} pairs for {@code bytes} of RAM around the MMIO hole. */
    public static List<long[]> split(long bytes) {
        List<long[]> out = new ArrayList<>();
        long low = Math.min(bytes, Layout.MMIO_HOLE_START);
        out.add(new long[] {0, low});
        if (bytes > low) out.add(new long[] {Layout.FOUR_GIB, bytes - low});
        return out;
    }

    /** Registers every region as a KVM memory slot, numbered from 0. */
    public void registerWith(VmFd vm) {
        int slot = 0;
        for (MemoryRegion r : memory.regions()) {
            vm.setUserMemoryRegion(
                    slot++, 0, r.guestAddress(), r.size(), r.segment().address());
        }
    }

    public GuestMemory memory() {
        return memory;
    }

    public List<MemoryRegion> regions() {
        return memory.regions();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        arena.close();
    }
}
