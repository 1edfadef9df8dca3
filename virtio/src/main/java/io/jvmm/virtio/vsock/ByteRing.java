package io.jvmm.virtio.vsock;

import io.jvmm.virtio.queue.GuestBuffers;
import java.lang.foreign.MemorySegment;

/**
 * A FIFO of bytes; not thread-safe (the vsock device's lock guards it). It holds nothing until its
 * connection reserves a capacity from the device's buffer budget, and the array is allocated by the
 * first put: a connection that never carries data in a direction costs no memory there.
 */
final class ByteRing {
    private static final byte[] NONE = new byte[0];
    private int capacity;
    private byte[] buf = NONE;
    private int head; // next byte to read
    private int size;

    int size() {
        return size;
    }

    int free() {
        return capacity - size;
    }

    /** Whether a capacity was reserved for it (and not yet released). */
    boolean reserved() {
        return capacity > 0;
    }

    /** Sets the capacity the caller reserved from the budget; the ring must hold none yet. */
    void reserve(int capacity) {
        if (this.capacity != 0) throw new IllegalStateException("the ring already has a capacity of " + this.capacity);
        this.capacity = capacity;
    }

    /** Drops the bytes and the array; returns the capacity for the caller to give back to the budget. */
    int release() {
        int c = capacity;
        capacity = head = size = 0;
        buf = NONE;
        return c;
    }

    /** Whether the array exists yet (for tests). */
    boolean allocated() {
        return buf != NONE;
    }

    /** Bytes of the array (for tests: what the ring really holds on the heap). */
    int arrayBytes() {
        return buf.length;
    }

    private void ensureAllocated() {
        if (buf == NONE) buf = new byte[capacity];
    }

    /** Appends {@code len} bytes of {@code src} from {@code offset}; the caller checked {@link #free()}. */
    void put(GuestBuffers src, long offset, int len) {
        if (len == 0) return;
        ensureAllocated();
        int tail = (head + size) % buf.length;
        int first = Math.min(len, buf.length - tail);
        src.read(offset, MemorySegment.ofArray(buf).asSlice(tail, first));
        if (first < len) src.read(offset + first, MemorySegment.ofArray(buf).asSlice(0, len - first));
        size += len;
    }

    void put(byte[] src, int off, int len) {
        if (len == 0) return;
        ensureAllocated();
        int tail = (head + size) % buf.length;
        int first = Math.min(len, buf.length - tail);
        System.arraycopy(src, off, buf, tail, first);
        if (first < len) System.arraycopy(src, off + first, buf, 0, len - first);
        size += len;
    }

    /** Removes up to {@code len} bytes into {@code dst}; returns how many. */
    int take(byte[] dst, int off, int len) {
        int n = Math.min(len, size);
        if (n == 0) return 0;
        int first = Math.min(n, buf.length - head);
        System.arraycopy(buf, head, dst, off, first);
        if (first < n) System.arraycopy(buf, 0, dst, off + first, n - first);
        head = (head + n) % buf.length;
        size -= n;
        return n;
    }

    /** Removes {@code len} bytes (≤ size) into {@code dst} at {@code offset}. */
    void take(GuestBuffers dst, long offset, int len) {
        if (len == 0) return;
        int first = Math.min(len, buf.length - head);
        dst.write(offset, MemorySegment.ofArray(buf).asSlice(head, first));
        if (first < len) dst.write(offset + first, MemorySegment.ofArray(buf).asSlice(0, len - first));
        head = (head + len) % buf.length;
        size -= len;
    }

    void clear() {
        head = size = 0;
    }
}
