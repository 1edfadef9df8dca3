package io.jvmm.virtio.ratelimit;

/**
 * What a device may do per unit of time, as Firecracker configures it: a bandwidth bucket (bytes) and
 * an operations bucket (requests or frames). Either may be null: that dimension is not limited.
 *
 * @param bandwidth bytes
 * @param ops       requests (virtio-blk) or frames (virtio-net)
 */
public record RateLimit(TokenBucket bandwidth, TokenBucket ops) {
    /** No limit at all. */
    public static final RateLimit UNLIMITED = new RateLimit(null, null);

    /** True when neither dimension is limited. */
    public boolean unlimited() {
        return bandwidth == null && ops == null;
    }
}
