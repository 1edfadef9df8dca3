package io.jvmm.loader.initramfs;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes newc records onto a stream: a 110-byte ASCII header ("070701" and thirteen 8-digit hex
 * fields), the NUL-terminated name, padding to 4 bytes, the data, padding to 4 bytes. Knows the
 * wire format only; which entries exist and in what order is {@link CpioArchive}'s business.
 */
final class NewcWriter {
    static final int HEADER_SIZE = 110;
    static final String MAGIC = "070701";
    /** gen_init_cpio pads the archive after the trailer to a 512-byte block; we match it. */
    static final int END_ALIGNMENT = 512;

    private static final byte[] ZEROS = new byte[END_ALIGNMENT];
    private static final byte[] HEX = "0123456789ABCDEF".getBytes(StandardCharsets.US_ASCII);

    /** The header fields after the magic, in wire order. */
    record Header(
            long ino,
            long mode,
            long nlink,
            long fileSize,
            long devMajor,
            long devMinor,
            long rdevMajor,
            long rdevMinor) {}

    private final OutputStream out;
    private long offset;

    NewcWriter(OutputStream out) {
        this.out = out;
    }

    long offset() {
        return offset;
    }

    /** Header, name and the padding after them; the caller then writes exactly {@code h.fileSize()} data bytes. */
    void header(String name, Header h) throws IOException {
        byte[] nameBytes = name.getBytes(StandardCharsets.UTF_8);
        byte[] buf = new byte[HEADER_SIZE + nameBytes.length + 1];
        int p = 0;
        for (byte b : MAGIC.getBytes(StandardCharsets.US_ASCII)) buf[p++] = b;
        // c_ino c_mode c_uid c_gid c_nlink c_mtime c_filesize c_devmajor c_devminor c_rdevmajor c_rdevminor c_namesize
        // c_check
        long[] fields = {
            h.ino(),
            h.mode(),
            0,
            0,
            h.nlink(),
            0,
            h.fileSize(),
            h.devMajor(),
            h.devMinor(),
            h.rdevMajor(),
            h.rdevMinor(),
            nameBytes.length + 1L,
            0
        };
        for (int i = 0; i < fields.length; i++) p = hex8(buf, p, fields[i], FIELD_NAMES[i], name);
        System.arraycopy(nameBytes, 0, buf, p, nameBytes.length); // the trailing NUL is already 0
        write(buf, 0, buf.length);
        pad(4);
    }

    void data(byte[] b, int off, int len) throws IOException {
        write(b, off, len);
    }

    /** Zero bytes up to the next multiple of {@code alignment} (a power of two). */
    void pad(int alignment) throws IOException {
        write(ZEROS, 0, (int) (-offset & (alignment - 1)));
    }

    /** The bytes one entry occupies: header, name, NUL and data, each part padded to 4. */
    static long entrySize(String name, long dataSize) {
        return align(HEADER_SIZE + ArchivePath.encodedLength(name) + 1, 4) + align(dataSize, 4);
    }

    static long align(long v, int alignment) {
        return (v + alignment - 1) & -alignment;
    }

    private void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        offset += len;
    }

    private static final String[] FIELD_NAMES = {
        "c_ino",
        "c_mode",
        "c_uid",
        "c_gid",
        "c_nlink",
        "c_mtime",
        "c_filesize",
        "c_devmajor",
        "c_devminor",
        "c_rdevmajor",
        "c_rdevminor",
        "c_namesize",
        "c_check"
    };

    private static int hex8(byte[] buf, int p, long v, String field, String entry) {
        // Every newc field is an unsigned 32-bit number; a wider value would be silently truncated.
        if (v < 0 || v > 0xffff_ffffL) {
            throw new IllegalArgumentException(
                    "cpio: " + field + " of " + entry + " is " + v + ", outside the unsigned 32-bit range of newc");
        }
        for (int shift = 28; shift >= 0; shift -= 4) buf[p++] = HEX[(int) (v >>> shift) & 0xf];
        return p;
    }
}
