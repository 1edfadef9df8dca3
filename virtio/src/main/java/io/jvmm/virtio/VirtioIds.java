package io.jvmm.virtio;

/** virtio device IDs (virtio 1.2 section 5, linux/virtio_ids.h). */
public final class VirtioIds {
    public static final int VIRTIO_ID_NET = 1;
    public static final int VIRTIO_ID_BLOCK = 2;
    public static final int VIRTIO_ID_RNG = 4;
    public static final int VIRTIO_ID_VSOCK = 19;
    public static final int VIRTIO_ID_FS = 26;

    private VirtioIds() {}
}
