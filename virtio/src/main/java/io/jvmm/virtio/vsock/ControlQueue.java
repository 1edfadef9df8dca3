package io.jvmm.virtio.vsock;

import io.jvmm.virtio.RateLimitedLog;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;

/**
 * The muxer's control packets waiting for the guest's receive buffers, in order (Firecracker's
 * muxer rx queue); they go out before any connection's packets. Replies a guest packet asked for
 * are bounded: a guest that keeps asking without posting receive buffers must not grow the heap, so
 * past the bound they are dropped and counted. Packets bound to a connection's state (REQUEST,
 * RESPONSE, the RST that ends it) are bounded by the muxer's connection limit instead and always
 * queued.
 *
 * <p>Not thread-safe: the muxer's lock guards it.
 */
final class ControlQueue {
    private static final RateLimitedLog LOG = VsockDevice.LOG;

    private final int maxReplies;
    private final ArrayDeque<VsockHeader> packets = new ArrayDeque<>();
    private long droppedReplies;

    /** @param maxReplies packets waiting at most before replies are dropped */
    ControlQueue(int maxReplies) {
        this.maxReplies = maxReplies;
    }

    /** Queues a packet of a connection's state: always. */
    void add(VsockHeader h) {
        packets.add(h);
    }

    /** Queues {@code h}, a reply to a guest packet, unless the queue is full: then it is dropped. */
    void reply(VsockHeader h) {
        if (full()) drop(h);
        else packets.add(h);
    }

    /** Whether a reply would be dropped now. */
    boolean full() {
        return packets.size() >= maxReplies;
    }

    /** Counts and logs a reply to {@code h} that there is no room for. */
    void drop(VsockHeader h) {
        droppedReplies++;
        LOG.log(
                Level.WARNING,
                "vsock: {0} control packets wait for guest receive buffers; not answering {1} from guest port {2}",
                maxReplies,
                VsockHeader.opName(h.op()),
                h.srcPort());
    }

    /** The next packet for the guest, or null. */
    VsockHeader poll() {
        return packets.poll();
    }

    boolean isEmpty() {
        return packets.isEmpty();
    }

    int size() {
        return packets.size();
    }

    /** Drops every packet (the device was reset); the count of dropped replies stays. */
    void clear() {
        packets.clear();
    }

    /** Replies dropped because too many packets were waiting. */
    long droppedReplies() {
        return droppedReplies;
    }
}
