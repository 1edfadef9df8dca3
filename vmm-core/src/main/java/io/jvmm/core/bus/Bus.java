package io.jvmm.core.bus;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Routes guest accesses (PIO ports or MMIO addresses) to the device that owns the range.
 *
 * <p>Registration happens before the vCPUs start or under the bus lock; lookups read a published
 * immutable array, so the exit path takes no lock. An access nobody claims reads as all ones (what an
 * empty ISA bus or an unbacked MMIO window returns) and writes are dropped, as on real hardware.
 */
public final class Bus {
    private record Range(long base, long length, String name, BusDevice device) {
        boolean contains(long addr) {
            return addr >= base && addr - base < length;
        }
    }

    private final String kind;
    private volatile Range[] ranges = new Range[0];
    private final LongAdder unhandled = new LongAdder();

    public Bus(String kind) {
        this.kind = kind;
    }

    /** Claims {@code [base, base + length)} for {@code device}; overlapping claims are a programming error. */
    public synchronized void register(long base, long length, String name, BusDevice device) {
        if (length <= 0) throw new IllegalArgumentException(kind + " range for " + name + " is empty");
        for (Range r : ranges) {
            if (base < r.base + r.length && r.base < base + length) {
                throw new IllegalArgumentException(
                        String.format("%s range [0x%x, +0x%x) of %s overlaps %s", kind, base, length, name, r.name));
            }
        }
        Range[] next = Arrays.copyOf(ranges, ranges.length + 1);
        next[ranges.length] = new Range(base, length, name, device);
        Arrays.sort(next, (a, b) -> Long.compare(a.base, b.base));
        ranges = next;
    }

    private Range find(long addr) {
        Range[] rs = ranges;
        int lo = 0, hi = rs.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            Range r = rs[mid];
            if (addr < r.base) hi = mid - 1;
            else if (addr - r.base >= r.length) lo = mid + 1;
            else return r;
        }
        return null;
    }

    /** A read of {@code data.byteSize()} bytes at {@code addr}. */
    public void read(long addr, MemorySegment data) {
        Range r = find(addr);
        if (r == null) {
            unhandled.increment();
            data.fill((byte) 0xff);
        } else {
            r.device.read(addr - r.base, data);
        }
    }

    public void write(long addr, MemorySegment data) {
        Range r = find(addr);
        if (r == null) unhandled.increment();
        else r.device.write(addr - r.base, data);
    }

    /** How many accesses hit no device (a hint when a guest probes hardware that is not there). */
    public long unhandledCount() {
        return unhandled.sum();
    }
}
