package io.jvmm.loader;

import static io.jvmm.loader.BootParamsLayout.*;
import static io.jvmm.loader.LoaderException.Reason.*;

import io.jvmm.memory.GuestMemory;
import java.util.List;

/**
 * Writes the Linux zero page ({@code struct boot_params}, Documentation/arch/x86/zero-page.rst) for
 * the 64-bit boot protocol. Offsets come from {@link BootParamsLayout}.
 */
public final class BootParams {
    /** Size of the zero page. */
    public static final int SIZE = 4096;
    /** {@code type_of_loader} 0xff: "undefined" boot loader, as Firecracker and QEMU's -kernel use. */
    public static final int TYPE_OF_LOADER_UNDEFINED = 0xff;
    /** What an ELF kernel gets in the synthesized header: boot protocol 2.12, whose fields we fill. */
    public static final int SYNTHESIZED_VERSION = 0x020c;
    /** kernel_alignment written for ELF kernels (Firecracker: 16 MiB, the x86-64 default). */
    public static final int SYNTHESIZED_KERNEL_ALIGNMENT = 0x0100_0000;

    private BootParams() {}

    /** As {@link #write(GuestMemory, long, LoadedKernel, long, int, long, long, List, long)} without ACPI. */
    public static void write(
            GuestMemory mem,
            long zeroPageAddr,
            LoadedKernel k,
            long cmdlineAddr,
            int cmdlineSize,
            long initrdAddr,
            long initrdSize,
            List<E820Entry> e820) {
        write(mem, zeroPageAddr, k, cmdlineAddr, cmdlineSize, initrdAddr, initrdSize, e820, 0);
    }

    /**
     * Zeroes the 4 KiB at {@code zeroPageAddr} and fills it in.
     *
     * @param k            the loaded kernel; its setup header (bzImage) is copied to 0x1f1, or one is
     *                     synthesized for an ELF kernel
     * @param cmdlineAddr  guest address of the NUL-terminated command line (non-zero)
     * @param cmdlineSize  its size including the NUL ({@link Cmdline#sizeWithNul()})
     * @param initrdAddr   initrd guest address, or 0 with {@code initrdSize} 0 for none
     * @param e820         at most 128 entries
     * @param acpiRsdpAddr {@code acpi_rsdp_addr}, or 0 to let the kernel scan for the RSDP
     */
    public static void write(
            GuestMemory mem,
            long zeroPageAddr,
            LoadedKernel k,
            long cmdlineAddr,
            int cmdlineSize,
            long initrdAddr,
            long initrdSize,
            List<E820Entry> e820,
            long acpiRsdpAddr) {
        if (!mem.contains(zeroPageAddr, SIZE)) {
            throw new LoaderException(
                    OUTSIDE_RAM, String.format("boot_params [0x%x, +0x1000) is not inside guest RAM", zeroPageAddr));
        }
        if (cmdlineAddr == 0 || cmdlineSize < 1 || !mem.contains(cmdlineAddr, cmdlineSize)) {
            throw new LoaderException(
                    OUTSIDE_RAM,
                    String.format(
                            "boot_params: command line [0x%x, +%d) is not a non-empty range of guest RAM",
                            cmdlineAddr, cmdlineSize));
        }
        if (e820.size() > E820_MAX_ENTRIES_ZEROPAGE) {
            throw new LoaderException(
                    TOO_LARGE,
                    "boot_params: " + e820.size() + " E820 entries, the zero page holds " + E820_MAX_ENTRIES_ZEROPAGE);
        }
        if (initrdSize < 0 || (initrdSize > 0 && !mem.contains(initrdAddr, initrdSize))) {
            throw new LoaderException(
                    OUTSIDE_RAM,
                    String.format("boot_params: initrd [0x%x, +0x%x) is not inside guest RAM", initrdAddr, initrdSize));
        }
        SetupHeader hdr = k.header();
        // cmdline_size in the kernel's header is its limit without the NUL (protocol 2.06+).
        if (hdr != null && hdr.cmdlineSize() != 0 && cmdlineSize - 1 > hdr.cmdlineSize()) {
            throw new LoaderException(
                    CMDLINE_TOO_LONG,
                    String.format(
                            "boot_params: command line of %d bytes exceeds the kernel's cmdline_size %d",
                            cmdlineSize - 1, hdr.cmdlineSize()));
        }

        mem.fill(zeroPageAddr, SIZE, (byte) 0);
        long h = zeroPageAddr + HDR;
        if (hdr != null) {
            mem.write(h, hdr.bytes());
        } else {
            mem.writeShort(h + BOOT_FLAG, (short) SetupHeader.BOOT_FLAG_MAGIC);
            mem.writeInt(h + HEADER, SetupHeader.HDRS_MAGIC);
            mem.writeShort(h + VERSION, (short) SYNTHESIZED_VERSION);
            mem.writeInt(h + KERNEL_ALIGNMENT, SYNTHESIZED_KERNEL_ALIGNMENT);
        }
        mem.writeByte(h + TYPE_OF_LOADER, (byte) TYPE_OF_LOADER_UNDEFINED);
        mem.writeInt(h + CMD_LINE_PTR, (int) cmdlineAddr);
        mem.writeInt(zeroPageAddr + EXT_CMD_LINE_PTR, (int) (cmdlineAddr >>> 32));
        mem.writeInt(h + CMDLINE_SIZE, cmdlineSize);
        mem.writeInt(h + RAMDISK_IMAGE, (int) initrdAddr);
        mem.writeInt(zeroPageAddr + EXT_RAMDISK_IMAGE, (int) (initrdAddr >>> 32));
        mem.writeInt(h + RAMDISK_SIZE, (int) initrdSize);
        mem.writeInt(zeroPageAddr + EXT_RAMDISK_SIZE, (int) (initrdSize >>> 32));
        mem.writeLong(zeroPageAddr + ACPI_RSDP_ADDR, acpiRsdpAddr);
        mem.writeByte(zeroPageAddr + E820_ENTRIES, (byte) e820.size());
        long entrySize = BOOT_E820_ENTRY.byteSize();
        for (int i = 0; i < e820.size(); i++) {
            E820Entry e = e820.get(i);
            long at = zeroPageAddr + E820_TABLE + i * entrySize;
            mem.writeLong(at + E820_ADDR, e.addr());
            mem.writeLong(at + E820_SIZE, e.size());
            mem.writeInt(at + E820_TYPE, e.type());
        }
    }
}
