package io.jvmm.virtio.queue;

import io.jvmm.memory.GuestMemory;
import io.jvmm.memory.GuestMemoryException;
import io.jvmm.virtio.RateLimitedLog;
import io.jvmm.virtio.VirtioProtocolException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The device side of a split virtqueue (virtio 1.2 section 2.7): pops descriptor chains from the
 * available ring, returns them through the used ring, and decides when the driver must be
 * notified (VIRTIO_F_RING_EVENT_IDX or the NO_INTERRUPT flag) and whether the driver should notify us.
 *
 * <p>Everything the driver wrote is untrusted. Ring addresses are checked once when the queue is
 * created; every descriptor's buffer is checked against guest RAM before a chain is handed out;
 * chains are bounded (no loops), so {@link #pop()} always terminates, and returns either a chain
 * wholly inside guest RAM or throws.
 *
 * <p>Memory ordering lives here and nowhere else: avail.idx is read with acquire semantics before the
 * ring and descriptors behind it; used elements are written before used.idx is published with
 * release semantics; a full fence separates publishing used.idx (or avail_event) from reading the
 * driver's used_event (or avail.idx), which is the store-load pair EVENT_IDX depends on.
 *
 * <p>Not thread-safe: one device thread uses a queue at a time.
 */
public final class Virtqueue {
    /** Descriptor flags (linux/virtio_ring.h). */
    public static final int VIRTQ_DESC_F_NEXT = 1, VIRTQ_DESC_F_WRITE = 2, VIRTQ_DESC_F_INDIRECT = 4;
    /** avail.flags: the driver does not want interrupts. */
    public static final int VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
    /** used.flags: the device does not want notifications. */
    public static final int VIRTQ_USED_F_NO_NOTIFY = 1;
    /** The largest split queue (2.7). */
    public static final int MAX_SIZE = 32768;
    /** Bound on the descriptors of one chain through indirect tables (vhost uses UIO_MAXIOV, 1024). */
    public static final int MAX_INDIRECT = 1024;

    static final int DESC_SIZE = 16;
    private static final RateLimitedLog LOG = RateLimitedLog.of(Virtqueue.class);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16_UNALIGNED =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32_UNALIGNED =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    // (segment, base offset) -> aligned 16-bit field; acquire/release access modes need the alignment
    private static final VarHandle IDX = U16.varHandle();

    private final GuestMemory memory;
    private final int size;
    private final boolean eventIdx;
    private final boolean indirect;
    private final QueueConfig config;
    private final MemorySegment desc;
    private final MemorySegment avail;
    private final MemorySegment used;
    private final long usedEventOffset;
    private final long availEventOffset;

    private int nextAvail;
    private int nextUsed;
    /** used.idx when the driver was last signalled (EVENT_IDX). */
    private int signalledUsed;

    private boolean addedSinceCheck;
    /** readChain's working space: the current chain's buffers, and its descriptors packed in pairs. */
    private MemorySegment[] scratchSegments = new MemorySegment[8];

    private long[] scratchDescriptors = new long[16];

    private Virtqueue(
            GuestMemory memory, QueueConfig c, boolean eventIdx, boolean indirect, int nextAvail, int nextUsed) {
        this.memory = memory;
        this.config = c;
        this.size = c.size();
        this.eventIdx = eventIdx;
        this.indirect = indirect;
        this.desc = ring(memory, "descriptor table", c.descTable(), (long) DESC_SIZE * size, 16);
        this.avail = ring(memory, "available ring", c.availRing(), 6 + 2L * size, 2);
        this.used = ring(memory, "used ring", c.usedRing(), 6 + 8L * size, 4);
        this.usedEventOffset = 4 + 2L * size;
        this.availEventOffset = 4 + 8L * size;
        this.nextAvail = nextAvail & 0xffff;
        this.nextUsed = nextUsed & 0xffff;
        this.signalledUsed = this.nextUsed;
    }

    /**
     * Checks the driver's queue configuration and returns the queue, or throws
     * {@link VirtioProtocolException} naming what is wrong (size not a power of two, a ring misaligned
     * or outside guest RAM).
     *
     * @param eventIdx VIRTIO_F_RING_EVENT_IDX was negotiated
     * @param indirect VIRTIO_F_RING_INDIRECT_DESC was negotiated
     */
    public static Virtqueue create(GuestMemory memory, QueueConfig config, boolean eventIdx, boolean indirect) {
        return restore(memory, config, eventIdx, indirect, 0, 0);
    }

    /** A queue that continues from saved ring positions (snapshot restore). */
    public static Virtqueue restore(
            GuestMemory memory, QueueConfig config, boolean eventIdx, boolean indirect, int nextAvail, int nextUsed) {
        int size = config.size();
        if (size <= 0 || size > MAX_SIZE || Integer.bitCount(size) != 1) {
            throw new VirtioProtocolException("queue size " + size + " is not a power of two in [1, " + MAX_SIZE + "]");
        }
        return new Virtqueue(memory, config, eventIdx, indirect, nextAvail, nextUsed);
    }

    private static MemorySegment ring(GuestMemory memory, String what, long gpa, long len, int align) {
        if ((gpa & (align - 1)) != 0) {
            throw new VirtioProtocolException(String.format("%s at 0x%x is not %d-byte aligned", what, gpa, align));
        }
        try {
            return memory.slice(gpa, len);
        } catch (GuestMemoryException e) {
            throw new VirtioProtocolException(
                    String.format("%s [0x%x, +0x%x) is not inside guest RAM", what, gpa, len));
        }
    }

    public int size() {
        return size;
    }

    public QueueConfig config() {
        return config;
    }

    /** The index of the next available-ring entry the device will read. */
    public int nextAvail() {
        return nextAvail;
    }

    /** The used.idx the device will publish next. */
    public int nextUsed() {
        return nextUsed;
    }

    private int availIdx() {
        return (short) IDX.getAcquire(avail, 2L) & 0xffff;
    }

    /** True when the driver has made buffers available that were not popped yet. */
    public boolean hasAvailable() {
        return availIdx() != nextAvail;
    }

    /**
     * The next available chain, or null when there is none. Throws {@link InvalidChainException} for
     * a chain the device must refuse (it is consumed; return its head with length 0), and
     * {@link VirtioProtocolException} when the ring itself is broken (the device needs a reset).
     */
    public DescriptorChain pop() {
        int availIdx = availIdx();
        int pending = (availIdx - nextAvail) & 0xffff;
        if (pending == 0) return null;
        if (pending > size) {
            throw new VirtioProtocolException(
                    "avail.idx " + availIdx + " is " + pending + " entries ahead of the device in a queue of " + size);
        }
        int head = avail.get(U16, 4 + 2L * (nextAvail & (size - 1))) & 0xffff;
        nextAvail = (nextAvail + 1) & 0xffff;
        if (head >= size) {
            throw new VirtioProtocolException("available ring names descriptor " + head + " in a queue of " + size);
        }
        return readChain(head);
    }

    /**
     * Like {@link #pop()}, but a chain the device must refuse is returned to the driver at once (used
     * length 0) and logged through the rate limiter, so callers only ever see valid chains. Still
     * throws {@link VirtioProtocolException} when the ring itself is broken.
     */
    public DescriptorChain popValid(String device) {
        while (true) {
            try {
                return pop();
            } catch (InvalidChainException e) {
                LOG.log(System.Logger.Level.WARNING, "{0}: refused {1}", device, e.getMessage());
                addUsed(e.head(), 0);
            }
        }
    }

    /** Walks the chain starting at {@code head}; bounded by the table sizes, so loops end in an error. */
    private DescriptorChain readChain(int head) {
        // Collected in this queue's scratch arrays and copied out at exact sizes: this runs for every
        // request, and with C1 only (the launcher's choice) every temporary list is a real allocation.
        int count = 0, readableCount = 0;
        MemorySegment table = desc;
        int tableSize = size;
        int index = head;
        int visited = 0;
        boolean inIndirect = false;
        long total = 0;
        while (true) {
            if (++visited > tableSize) {
                throw new InvalidChainException(head, "longer than its descriptor table (" + tableSize + "): a loop?");
            }
            long off = (long) index * DESC_SIZE;
            long addr = table.get(U64, off);
            int len = table.get(U32_UNALIGNED, off + 8);
            int flags = table.get(U16_UNALIGNED, off + 12) & 0xffff;
            int next = table.get(U16_UNALIGNED, off + 14) & 0xffff;
            if ((flags & VIRTQ_DESC_F_INDIRECT) != 0) {
                if (!indirect)
                    throw new InvalidChainException(
                            head, "indirect descriptor, but VIRTIO_F_RING_INDIRECT_DESC was not negotiated");
                if (inIndirect) throw new InvalidChainException(head, "indirect descriptor inside an indirect table");
                if ((flags & VIRTQ_DESC_F_NEXT) != 0)
                    throw new InvalidChainException(head, "indirect descriptor with NEXT set");
                long entries = Integer.toUnsignedLong(len) / DESC_SIZE;
                if (len == 0 || Integer.toUnsignedLong(len) % DESC_SIZE != 0 || entries > MAX_INDIRECT) {
                    throw new InvalidChainException(
                            head,
                            "indirect table of " + Integer.toUnsignedLong(len)
                                    + " bytes (want a non-zero multiple of 16, at most " + MAX_INDIRECT + " entries)");
                }
                if (!memory.contains(addr, len)) {
                    throw new InvalidChainException(
                            head, String.format("indirect table [0x%x, +0x%x) outside guest RAM", addr, len));
                }
                table = memory.slice(addr, len);
                tableSize = (int) entries;
                index = 0;
                visited = 0;
                inIndirect = true;
                continue;
            }
            long ulen = Integer.toUnsignedLong(len);
            if (!memory.contains(addr, ulen)) {
                throw new InvalidChainException(
                        head, String.format("buffer [0x%x, +0x%x) outside guest RAM", addr, ulen));
            }
            total += ulen;
            if (total > 0xffff_ffffL) throw new InvalidChainException(head, "more than 4 GiB of buffers");
            boolean write = (flags & VIRTQ_DESC_F_WRITE) != 0;
            if (!write) {
                if (readableCount != count)
                    throw new InvalidChainException(head, "device-readable buffer after a device-writable one");
                readableCount++;
            }
            if (count == scratchSegments.length) growScratch();
            scratchSegments[count] = memory.slice(addr, ulen);
            scratchDescriptors[2 * count] = addr;
            scratchDescriptors[2 * count + 1] = ulen << 1 | (write ? 1 : 0);
            count++;
            if ((flags & VIRTQ_DESC_F_NEXT) == 0) break;
            if (next >= tableSize)
                throw new InvalidChainException(head, "next index " + next + " beyond a table of " + tableSize);
            index = next;
        }
        MemorySegment[] readable = Arrays.copyOfRange(scratchSegments, 0, readableCount);
        MemorySegment[] writable = Arrays.copyOfRange(scratchSegments, readableCount, count);
        return new DescriptorChain(
                head,
                Arrays.copyOf(scratchDescriptors, 2 * count),
                readable.length == 0 ? GuestBuffers.empty() : new GuestBuffers(readable),
                writable.length == 0 ? GuestBuffers.empty() : new GuestBuffers(writable));
    }

    /** A chain is bounded by the ring plus one indirect table, so this grows at most a few times. */
    private void growScratch() {
        int n = scratchSegments.length * 2;
        scratchSegments = Arrays.copyOf(scratchSegments, n);
        scratchDescriptors = Arrays.copyOf(scratchDescriptors, 2 * n);
    }

    /** Returns chain {@code head} to the driver, saying the device wrote {@code written} bytes into it. */
    public void addUsed(int head, int written) {
        long elem = 4 + 8L * (nextUsed & (size - 1));
        used.set(U32, elem, head);
        used.set(U32, elem + 4, written);
        nextUsed = (nextUsed + 1) & 0xffff;
        IDX.setRelease(used, 2L, (short) nextUsed);
        addedSinceCheck = true;
    }

    /**
     * Whether the driver wants an interrupt for the used buffers added since the last call: with
     * EVENT_IDX when used.idx passed the driver's used_event, otherwise unless the driver set
     * VIRTQ_AVAIL_F_NO_INTERRUPT.
     */
    public boolean needsNotification() {
        if (!addedSinceCheck) return false;
        addedSinceCheck = false;
        VarHandle.fullFence();
        if (eventIdx) {
            int usedEvent = avail.get(U16, usedEventOffset) & 0xffff;
            int old = signalledUsed;
            signalledUsed = nextUsed;
            // vring_need_event(): did used.idx step over used_event since the last signal?
            return ((nextUsed - usedEvent - 1) & 0xffff) < ((nextUsed - old) & 0xffff);
        }
        return (avail.get(U16, 0) & VIRTQ_AVAIL_F_NO_INTERRUPT) == 0;
    }

    /** Asks the driver not to notify while the device is busy draining the queue. */
    public void disableNotification() {
        if (!eventIdx) used.set(U16, 0, (short) VIRTQ_USED_F_NO_NOTIFY);
        // With EVENT_IDX the stale avail_event already suppresses notifications.
    }

    /**
     * Asks the driver to notify on the next buffer, then re-checks the ring: returns true when buffers
     * arrived meanwhile (the caller drains again instead of sleeping, or it could miss them).
     */
    public boolean enableNotification() {
        if (eventIdx) used.set(U16, availEventOffset, (short) nextAvail);
        else used.set(U16, 0, (short) 0);
        VarHandle.fullFence();
        return hasAvailable();
    }
}
