package io.jvmm.virtio.blk;

/** virtio-blk feature bits, request types and status values (virtio 1.2 section 5.2, linux/virtio_blk.h). */
public final class BlockConstants {
    public static final int VIRTIO_BLK_F_SIZE_MAX = 1;
    public static final int VIRTIO_BLK_F_SEG_MAX = 2;
    public static final int VIRTIO_BLK_F_RO = 5;
    public static final int VIRTIO_BLK_F_BLK_SIZE = 6;
    public static final int VIRTIO_BLK_F_FLUSH = 9;
    public static final int VIRTIO_BLK_F_DISCARD = 13;
    public static final int VIRTIO_BLK_F_WRITE_ZEROES = 14;

    public static final int VIRTIO_BLK_T_IN = 0;
    public static final int VIRTIO_BLK_T_OUT = 1;
    public static final int VIRTIO_BLK_T_FLUSH = 4;
    public static final int VIRTIO_BLK_T_GET_ID = 8;
    public static final int VIRTIO_BLK_T_DISCARD = 11;
    public static final int VIRTIO_BLK_T_WRITE_ZEROES = 13;

    public static final byte VIRTIO_BLK_S_OK = 0;
    public static final byte VIRTIO_BLK_S_IOERR = 1;
    public static final byte VIRTIO_BLK_S_UNSUPP = 2;

    /** virtio-blk addresses 512-byte sectors whatever the block size. */
    public static final int SECTOR_SIZE = 512;

    public static final int SECTOR_SHIFT = 9;
    /** GET_ID answers with at most this many bytes (VIRTIO_BLK_ID_BYTES). */
    public static final int ID_BYTES = 20;
    /** virtio_blk_discard_write_zeroes: le64 sector, le32 num_sectors, le32 flags. */
    public static final int SEGMENT_SIZE = 16;

    public static final int VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP = 1;
    /** The request header: le32 type, le32 reserved, le64 sector. */
    public static final int HEADER_SIZE = 16;

    private BlockConstants() {}
}
