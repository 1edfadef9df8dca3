package io.jvmm.loader;

import static io.jvmm.loader.BootParamsLayout.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The bzImage setup header: the bytes from file offset 0x1f1 up to {@code 0x202 + byte[0x201]}
 * (boot.rst: "The end of setup header can be calculated as follows"), which the loader copies
 * verbatim into {@code boot_params.hdr}. Immutable; field accessors read the copy little-endian.
 */
public final class SetupHeader {
    /** {@code HdrS}, the boot protocol signature at 0x202. */
    public static final int HDRS_MAGIC = 0x53726448;
    /** The MBR signature at 0x1fe. */
    public static final int BOOT_FLAG_MAGIC = 0xaa55;
    /** {@code loadflags}: protected-mode code goes at 0x100000. */
    public static final int LOADED_HIGH = 0x01;
    /** {@code xloadflags}: the kernel has the 64-bit entry at load address + 0x200. */
    public static final int XLF_KERNEL_64 = 0x01;

    private final byte[] bytes;
    private final ByteBuffer view;

    /** Wraps a copy of {@code bytes}, which start at setup_sects (file offset 0x1f1). */
    public SetupHeader(byte[] bytes) {
        if (bytes.length < VERSION + 2) {
            throw new IllegalArgumentException(
                    "setup header needs at least " + (VERSION + 2) + " bytes, got " + bytes.length);
        }
        if (bytes.length > 0x290 - SETUP_HEADER_OFFSET) {
            throw new IllegalArgumentException("setup header longer than its slot in boot_params: " + bytes.length);
        }
        this.bytes = bytes.clone();
        this.view = ByteBuffer.wrap(this.bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A copy of the raw header bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    /** Number of bytes in the header (what is copied into boot_params). */
    public int length() {
        return bytes.length;
    }

    public int setupSects() {
        return u8(SETUP_SECTS);
    }

    public int bootFlag() {
        return u16(BOOT_FLAG);
    }

    public int header() {
        return u32(HEADER);
    }

    /** Boot protocol version, e.g. 0x020f for 2.15. */
    public int version() {
        return u16(VERSION);
    }

    public int loadflags() {
        return u8(LOADFLAGS);
    }

    public int xloadflags() {
        return u16(XLOADFLAGS);
    }

    /** Highest address the initrd may occupy (inclusive), or 0 when the header is too short. */
    public long initrdAddrMax() {
        return u32(INITRD_ADDR_MAX) & 0xffffffffL;
    }

    public long kernelAlignment() {
        return u32(KERNEL_ALIGNMENT) & 0xffffffffL;
    }

    public boolean relocatableKernel() {
        return u8(RELOCATABLE_KERNEL) != 0;
    }

    /** Longest command line the kernel accepts, excluding the NUL (protocol 2.06+). */
    public long cmdlineSize() {
        return u32(CMDLINE_SIZE) & 0xffffffffL;
    }

    public long prefAddress() {
        return u64(PREF_ADDRESS);
    }

    public long initSize() {
        return u32(INIT_SIZE) & 0xffffffffL;
    }

    // Fields past the end of a short (old-protocol) header read as zero, as in a zeroed boot_params.
    private int u8(long off) {
        return off < bytes.length ? bytes[(int) off] & 0xff : 0;
    }

    private int u16(long off) {
        return off + 2 <= bytes.length ? view.getShort((int) off) & 0xffff : 0;
    }

    private int u32(long off) {
        return off + 4 <= bytes.length ? view.getInt((int) off) : 0;
    }

    private long u64(long off) {
        return off + 8 <= bytes.length ? view.getLong((int) off) : 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SetupHeader h && Arrays.equals(bytes, h.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return String.format("SetupHeader[version=0x%04x, %d bytes]", version(), bytes.length);
    }
}
