package io.jvmm.loader;

import static io.jvmm.loader.BootParamsLayout.SETUP_HEADER_OFFSET;
import static io.jvmm.loader.LoaderException.Reason.*;

import io.jvmm.memory.GuestMemory;
import io.jvmm.memory.MemoryRegion;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/**
 * Loads a bzImage for the Linux 64-bit boot protocol (Documentation/arch/x86/boot.rst).
 *
 * <p>The protected-mode payload at file offset {@code (setup_sects + 1) * 512} goes to
 * {@link #LOAD_ADDRESS} (as Firecracker and linux-loader do), and the entry is that address + 0x200.
 * The real-mode setup code is not loaded: the 64-bit entry does not use it. The payload is a
 * self-decompressing kernel that then needs {@code init_size} bytes from its runtime start
 * ({@code max(align_up(load, kernel_alignment), pref_address)} when relocatable, else
 * {@code pref_address}; see arch/x86/boot/compressed/head_64.S), so that range must be RAM too.
 */
public final class BzImageLoader {
    /** Where the protected-mode kernel is loaded (the classic "loaded high" address). */
    public static final long LOAD_ADDRESS = 0x100000;
    /** Offset of startup_64 from the start of the protected-mode kernel. */
    public static final long ENTRY_64_OFFSET = 0x200;
    /** Boot protocol 2.12: xloadflags and the 64-bit entry fields. */
    public static final int MIN_PROTOCOL = 0x020c;

    private static final long JUMP_BYTE = 0x201;
    private static final long HEADER_MAX_END = 0x290;

    private BzImageLoader() {}

    /** Opens {@code kernel} and loads it; see {@link #load(GuestMemory, FileChannel)}. */
    public static LoadedKernel load(GuestMemory mem, Path kernel) {
        return ChannelReads.withChannel(kernel, ch -> load(mem, ch));
    }

    /** Validates the setup header, checks RAM, then copies the payload; memory is untouched on error. */
    public static LoadedKernel load(GuestMemory mem, FileChannel kernel) {
        long fileSize = ChannelReads.size(kernel, "bzImage");
        SetupHeader hdr = readHeader(kernel, fileSize);
        int sects = hdr.setupSects() == 0 ? 4 : hdr.setupSects();
        long payloadOffset = (sects + 1L) * 512;
        if (payloadOffset >= fileSize) {
            throw new LoaderException(
                    TRUNCATED,
                    String.format(
                            "bzImage: setup_sects %d puts the payload at 0x%x, past the end of the file (%d bytes)",
                            sects, payloadOffset, fileSize));
        }
        long payloadSize = fileSize - payloadOffset;
        MemoryRegion region = regionOf(mem, LOAD_ADDRESS);
        if (region == null || !region.contains(LOAD_ADDRESS, payloadSize)) {
            throw new LoaderException(
                    TOO_LARGE,
                    String.format(
                            "bzImage payload (%d bytes) does not fit in guest RAM at 0x%x", payloadSize, LOAD_ADDRESS));
        }
        long runtimeStart = runtimeStart(hdr);
        long initEnd = runtimeStart + hdr.initSize();
        if (!region.contains(runtimeStart, hdr.initSize()) || !region.contains(LOAD_ADDRESS, hdr.initSize())) {
            throw new LoaderException(
                    TOO_LARGE,
                    String.format(
                            "bzImage: init_size 0x%x from runtime start 0x%x needs RAM up to 0x%x, beyond the RAM region ending at 0x%x",
                            hdr.initSize(), runtimeStart, initEnd, region.end()));
        }
        ChannelReads.copyToGuest(kernel, payloadOffset, mem, LOAD_ADDRESS, payloadSize, "bzImage payload");
        long highest = Math.max(LOAD_ADDRESS + payloadSize, Math.max(initEnd, LOAD_ADDRESS + hdr.initSize()));
        return new LoadedKernel(BootMode.LINUX_64, LOAD_ADDRESS + ENTRY_64_OFFSET, LOAD_ADDRESS, highest, hdr);
    }

    /** Reads and checks the setup header: boot_flag, HdrS, version, LOADED_HIGH, XLF_KERNEL_64. */
    static SetupHeader readHeader(FileChannel kernel, long fileSize) {
        long minEnd = SETUP_HEADER_OFFSET + BootParamsLayout.VERSION + 2;
        if (fileSize < minEnd) {
            throw new LoaderException(
                    TRUNCATED,
                    String.format(
                            "bzImage setup header truncated: file has %d bytes, need at least 0x%x", fileSize, minEnd));
        }
        byte[] head = ChannelReads.readExactly(kernel, 0, (int) minEnd, "bzImage setup header");
        int bootFlag = (head[0x1fe] & 0xff) | (head[0x1ff] & 0xff) << 8;
        int magic = (head[0x202] & 0xff)
                | (head[0x203] & 0xff) << 8
                | (head[0x204] & 0xff) << 16
                | (head[0x205] & 0xff) << 24;
        if (magic != SetupHeader.HDRS_MAGIC) {
            throw new LoaderException(
                    BAD_MAGIC,
                    String.format(
                            "bzImage setup header: header at 0x202 is 0x%08x, expected \"HdrS\" (0x%08x)",
                            magic, SetupHeader.HDRS_MAGIC));
        }
        if (bootFlag != SetupHeader.BOOT_FLAG_MAGIC) {
            throw new LoaderException(
                    BAD_SETUP_HEADER,
                    String.format("bzImage setup header: boot_flag at 0x1fe is 0x%04x, expected 0xaa55", bootFlag));
        }
        long end = Math.min(0x202 + (head[(int) JUMP_BYTE] & 0xff), HEADER_MAX_END);
        if (end < minEnd) end = minEnd;
        if (fileSize < end) {
            throw new LoaderException(
                    TRUNCATED,
                    String.format(
                            "bzImage setup header truncated: it ends at 0x%x but the file has %d bytes",
                            end, fileSize));
        }
        byte[] bytes = ChannelReads.readExactly(
                kernel, SETUP_HEADER_OFFSET, (int) (end - SETUP_HEADER_OFFSET), "bzImage setup header");
        SetupHeader hdr = new SetupHeader(bytes);
        if (hdr.version() < MIN_PROTOCOL) {
            throw new LoaderException(
                    PROTOCOL_TOO_OLD,
                    String.format(
                            "bzImage setup header: boot protocol version 0x%04x is older than 2.12 (0x020c), which the 64-bit entry needs",
                            hdr.version()));
        }
        if ((hdr.loadflags() & SetupHeader.LOADED_HIGH) == 0) {
            throw new LoaderException(
                    BAD_SETUP_HEADER,
                    "bzImage setup header: loadflags lacks LOADED_HIGH (a zImage loaded at 0x10000 is not supported)");
        }
        if ((hdr.xloadflags() & SetupHeader.XLF_KERNEL_64) == 0) {
            throw new LoaderException(
                    NOT_64BIT,
                    "bzImage setup header: xloadflags lacks XLF_KERNEL_64, the kernel has no 64-bit entry point");
        }
        if (hdr.relocatableKernel() && Long.bitCount(hdr.kernelAlignment()) != 1) {
            throw new LoaderException(
                    BAD_SETUP_HEADER,
                    String.format(
                            "bzImage setup header: kernel_alignment 0x%x is not a power of two",
                            hdr.kernelAlignment()));
        }
        return hdr;
    }

    /** The address the decompressor will run at (boot.rst "init_size", compressed/head_64.S). */
    static long runtimeStart(SetupHeader hdr) {
        if (!hdr.relocatableKernel()) return hdr.prefAddress();
        long a = hdr.kernelAlignment();
        long aligned = (LOAD_ADDRESS + a - 1) & -a;
        // head_64.S never decompresses below LOAD_PHYSICAL_ADDR, which is what pref_address holds.
        // pref_address is a u64: compare unsigned so a garbage value cannot win as "negative".
        return Long.compareUnsigned(aligned, hdr.prefAddress()) >= 0 ? aligned : hdr.prefAddress();
    }

    private static MemoryRegion regionOf(GuestMemory mem, long gpa) {
        for (MemoryRegion r : mem.regions()) {
            if (r.contains(gpa, 0) && gpa < r.end()) return r;
        }
        return null;
    }
}
