package io.jvmm.runtime.state;

/**
 * A VM's I/O limits as given ({@code --disk-limit}, {@code --net-rx-limit}, {@code --net-tx-limit}),
 * in {@link RateLimitSpec} form; null for no limit. Kept as text so a record reads as it was typed.
 *
 * @param disk  every drive of the VM (root image and volumes), each on its own
 * @param netRx what the guest receives
 * @param netTx what the guest sends
 */
public record LimitOptions(String disk, String netRx, String netTx) {
    public static final LimitOptions NONE = new LimitOptions(null, null, null);

    public LimitOptions {
        disk = normal("disk", disk);
        netRx = normal("net-rx", netRx);
        netTx = normal("net-tx", netTx);
    }

    private static String normal(String what, String spec) {
        if (spec == null) return null;
        try {
            return RateLimitSpec.parse(spec).unlimited() ? null : spec;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " limit: " + e.getMessage());
        }
    }

    /** These limits with the given ones (null: unchanged) replacing the old. */
    public LimitOptions with(String disk, String netRx, String netTx) {
        return new LimitOptions(
                disk != null ? disk : this.disk,
                netRx != null ? netRx : this.netRx,
                netTx != null ? netTx : this.netTx);
    }
}
