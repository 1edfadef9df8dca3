package io.jvmm.virtio;

/** Device-independent feature bits (virtio 1.2 section 6, linux/virtio_config.h, virtio_ring.h). */
public final class VirtioFeatures {
    /** The driver can use indirect descriptor tables (2.7.5.3). */
    public static final int VIRTIO_F_RING_INDIRECT_DESC = 28;
    /** used_event / avail_event notification suppression (2.7.7, 2.7.10). */
    public static final int VIRTIO_F_RING_EVENT_IDX = 29;
    /** A modern (non-legacy) device; required for virtio-mmio version 2. */
    public static final int VIRTIO_F_VERSION_1 = 32;

    /** The bit for feature number {@code feature}. */
    /** What every jvmm device offers of the transport features: modern layout, indirect tables, EVENT_IDX. */
    public static final long TRANSPORT =
            (1L << VIRTIO_F_VERSION_1) | (1L << VIRTIO_F_RING_INDIRECT_DESC) | (1L << VIRTIO_F_RING_EVENT_IDX);

    public static long bit(int feature) {
        return 1L << feature;
    }

    /** True when {@code features} has feature number {@code feature}. */
    public static boolean has(long features, int feature) {
        return (features & bit(feature)) != 0;
    }

    private VirtioFeatures() {}
}
