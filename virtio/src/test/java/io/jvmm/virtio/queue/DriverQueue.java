package io.jvmm.virtio.queue;

import io.jvmm.memory.GuestMemory;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Plays the guest driver of one split virtqueue in fake guest memory (rust-vmm's MockSplitQueue):
 * lays out the rings at {@code base}, allocates buffers after them, adds chains (direct or
 * indirect), and reads the used ring back. Descriptor ids are handed out round-robin.
 */
public final class DriverQueue {
    /** One buffer of a chain being added. */
    public record Buf(long address, int length, boolean writable) {}

    /** One entry of the used ring. */
    public record Used(int id, int length) {}

    private final GuestMemory memory;
    private final int size;
    private final long desc, avail, used;
    private long heap;
    private int nextDesc;
    private int availIdx;
    private int usedSeen;

    public DriverQueue(GuestMemory memory, long base, int size) {
        this.memory = memory;
        this.size = size;
        this.desc = base;
        this.avail = base + 16L * size;
        this.used = align(avail + 6 + 2L * size, 4096);
        this.heap = align(used + 6 + 8L * size, 4096);
    }

    private static long align(long v, long a) {
        return (v + a - 1) & -a;
    }

    public QueueConfig config() {
        return new QueueConfig(size, desc, avail, used);
    }

    public Virtqueue deviceQueue(boolean eventIdx, boolean indirect) {
        return Virtqueue.create(memory, config(), eventIdx, indirect);
    }

    public GuestMemory memory() {
        return memory;
    }

    /** Reserves {@code len} bytes of buffer space (8-byte aligned). */
    public long alloc(long len) {
        long a = heap;
        heap = align(heap + Math.max(len, 1), 8);
        return a;
    }

    /** A device-readable buffer holding {@code data}. */
    public Buf out(byte[] data) {
        long a = alloc(data.length);
        memory.write(a, data);
        return new Buf(a, data.length, false);
    }

    public Buf out(String text) {
        return out(text.getBytes(StandardCharsets.UTF_8));
    }

    /** A device-writable buffer of {@code len} bytes, pre-filled with 0xee so writes are visible. */
    public Buf in(int len) {
        long a = alloc(len);
        memory.fill(a, len, (byte) 0xee);
        return new Buf(a, len, true);
    }

    /** Writes a raw descriptor at index {@code i} of the ring's table. */
    public void writeDesc(int i, long addr, int len, int flags, int next) {
        writeDesc(desc, i, addr, len, flags, next);
    }

    private void writeDesc(long table, int i, long addr, int len, int flags, int next) {
        long d = table + 16L * i;
        memory.writeLong(d, addr);
        memory.writeInt(d + 8, len);
        memory.writeShort(d + 12, (short) flags);
        memory.writeShort(d + 14, (short) next);
    }

    /** Adds a chain of direct descriptors and publishes it; returns the head id. */
    public int add(Buf... bufs) {
        int head = nextDesc;
        int[] ids = new int[bufs.length];
        for (int i = 0; i < bufs.length; i++) ids[i] = (nextDesc + i) % size;
        nextDesc = (nextDesc + bufs.length) % size;
        for (int i = 0; i < bufs.length; i++) {
            boolean last = i == bufs.length - 1;
            int flags =
                    (bufs[i].writable() ? Virtqueue.VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : Virtqueue.VIRTQ_DESC_F_NEXT);
            writeDesc(ids[i], bufs[i].address(), bufs[i].length(), flags, last ? 0 : ids[i + 1]);
        }
        publish(head);
        return head;
    }

    /** Adds one descriptor pointing at an indirect table holding {@code bufs}; returns the head id. */
    public int addIndirect(Buf... bufs) {
        long table = alloc(16L * bufs.length);
        for (int i = 0; i < bufs.length; i++) {
            boolean last = i == bufs.length - 1;
            int flags =
                    (bufs[i].writable() ? Virtqueue.VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : Virtqueue.VIRTQ_DESC_F_NEXT);
            writeDesc(table, i, bufs[i].address(), bufs[i].length(), flags, last ? 0 : i + 1);
        }
        int head = nextDesc;
        nextDesc = (nextDesc + 1) % size;
        writeDesc(head, table, 16 * bufs.length, Virtqueue.VIRTQ_DESC_F_INDIRECT, 0);
        publish(head);
        return head;
    }

    /** Puts {@code head} in the available ring and bumps avail.idx. */
    public void publish(int head) {
        memory.writeShort(avail + 4 + 2L * (availIdx % size), (short) head);
        availIdx = (availIdx + 1) & 0xffff;
        memory.writeShort(avail + 2, (short) availIdx);
    }

    /** Sets avail.idx directly (to test a driver that lies about it). */
    public void setAvailIdx(int idx) {
        availIdx = idx & 0xffff;
        memory.writeShort(avail + 2, (short) availIdx);
    }

    public void setAvailFlags(int flags) {
        memory.writeShort(avail, (short) flags);
    }

    /** used_event, in the avail ring after its entries (EVENT_IDX). */
    public void setUsedEvent(int idx) {
        memory.writeShort(avail + 4 + 2L * size, (short) idx);
    }

    /** avail_event, in the used ring after its entries (EVENT_IDX). */
    public int availEvent() {
        return memory.readShort(used + 4 + 8L * size) & 0xffff;
    }

    public int usedFlags() {
        return memory.readShort(used) & 0xffff;
    }

    public int usedIdx() {
        return memory.readShort(used + 2) & 0xffff;
    }

    /** The next used entry the driver has not seen, or null. */
    public Used nextUsed() {
        if (usedSeen == usedIdx()) return null;
        long e = used + 4 + 8L * (usedSeen % size);
        usedSeen = (usedSeen + 1) & 0xffff;
        return new Used(memory.readInt(e), memory.readInt(e + 4));
    }

    /** Every used entry not seen yet. */
    public List<Used> drainUsed() {
        List<Used> out = new ArrayList<>();
        Used u;
        while ((u = nextUsed()) != null) out.add(u);
        return out;
    }

    /** Bytes at {@code buf}. */
    public byte[] read(Buf buf) {
        byte[] out = new byte[buf.length()];
        memory.read(buf.address(), out);
        return out;
    }

    public MemorySegment segment(Buf buf) {
        return memory.slice(buf.address(), buf.length());
    }
}
