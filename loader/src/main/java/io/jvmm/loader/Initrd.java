package io.jvmm.loader;

import static io.jvmm.loader.LoaderException.Reason.*;

import io.jvmm.memory.GuestMemory;
import io.jvmm.memory.MemoryRegion;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Places and loads the initial ramdisk. boot.rst asks for it "as high in memory as possible" but
 * never above {@code initrd_addr_max}; it must also not overlap the kernel, including the memory the
 * kernel decompresses into ({@link LoadedKernel#highestAddress()}).
 */
public final class Initrd {
    /** initrd_addr_max for boot protocol 2.02 and earlier, and for ELF kernels without a header. */
    public static final long DEFAULT_ADDR_MAX = 0x37ffffffL;

    private static final long PAGE = 4096;

    private Initrd() {}

    /** {@code initrd_addr_max} from the kernel's setup header, or {@link #DEFAULT_ADDR_MAX}. */
    public static long addrMax(LoadedKernel k) {
        if (k.header() == null || k.header().initrdAddrMax() == 0) return DEFAULT_ADDR_MAX;
        return k.header().initrdAddrMax();
    }

    /**
     * The highest page-aligned address {@code a} such that {@code [a, a + size)} lies in one RAM
     * region, ends at or below {@code initrdAddrMax + 1} and starts at or above {@code kernelEnd}.
     *
     * @param initrdAddrMax last byte the initrd may occupy (inclusive); 0 or negative means
     *                      {@link #DEFAULT_ADDR_MAX}
     * @param kernelEnd     end (exclusive) of the kernel image
     */
    public static long place(GuestMemory mem, long size, long initrdAddrMax, long kernelEnd) {
        if (size <= 0) throw new LoaderException(INITRD_DOES_NOT_FIT, "initrd: size " + size + " is not positive");
        long max = initrdAddrMax <= 0 ? DEFAULT_ADDR_MAX : initrdAddrMax;
        long limit = max == Long.MAX_VALUE ? max : max + 1;
        long floor = Math.max(0, kernelEnd);
        var regions = mem.regions();
        for (int i = regions.size() - 1; i >= 0; i--) {
            MemoryRegion r = regions.get(i);
            long top = Math.min(r.end(), limit);
            if (top - r.guestAddress() < size) continue;
            long addr = (top - size) & -PAGE;
            if (addr >= r.guestAddress() && addr >= floor) return addr;
        }
        throw new LoaderException(
                INITRD_DOES_NOT_FIT,
                String.format(
                        "initrd of %d bytes does not fit page-aligned in guest RAM between the kernel end 0x%x and initrd_addr_max 0x%x",
                        size, kernelEnd, limit - 1));
    }

    /** Copies the file at {@code initrd} to {@code addr}; returns its size. Memory is untouched on error. */
    public static long load(GuestMemory mem, Path initrd, long addr) {
        try (FileChannel ch = ChannelReads.open(initrd)) {
            long size = ChannelReads.size(ch, "initrd " + initrd);
            if (!mem.contains(addr, size)) {
                throw new LoaderException(
                        OUTSIDE_RAM,
                        String.format("initrd %s (%d bytes) at 0x%x is not inside guest RAM", initrd, size, addr));
            }
            ChannelReads.copyToGuest(ch, 0, mem, addr, size, "initrd " + initrd);
            return size;
        } catch (IOException e) {
            throw new LoaderException(IO_ERROR, "cannot close " + initrd + ": " + e, e);
        }
    }
}
