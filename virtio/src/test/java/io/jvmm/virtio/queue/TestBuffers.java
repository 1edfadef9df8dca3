package io.jvmm.virtio.queue;

import java.lang.foreign.MemorySegment;

/** {@link GuestBuffers} over plain arrays, for device logic tested without a virtqueue. */
public final class TestBuffers {
    /** One stream over {@code parts}, one segment each: writes into the stream land in the arrays. */
    public static GuestBuffers of(byte[]... parts) {
        MemorySegment[] segments = new MemorySegment[parts.length];
        for (int i = 0; i < parts.length; i++) segments[i] = MemorySegment.ofArray(parts[i]);
        return new GuestBuffers(segments);
    }

    private TestBuffers() {}
}
