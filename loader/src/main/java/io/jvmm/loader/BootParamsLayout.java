package io.jvmm.loader;

import static java.lang.foreign.MemoryLayout.PathElement.groupElement;

import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;

/**
 * {@code struct boot_params} ("zero page"), {@code struct setup_header} and
 * {@code struct boot_e820_entry} from {@code <asm/bootparam.h>}, member names spelled as in C.
 *
 * <p>All three C structs are {@code __attribute__((packed))} ({@code hdr} sits at the odd offset
 * 0x1f1), so every member is an unaligned layout. Sub-structs the loader never fills
 * ({@code screen_info}, {@code edid_info}, ...) are byte arrays of their C size. The offsets below are
 * derived from these layouts, and LayoutAgreementTest compares every member with gcc's offsetof.
 */
public final class BootParamsLayout {
    private static final ValueLayout U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout U16 = ValueLayout.JAVA_SHORT_UNALIGNED;
    private static final ValueLayout U32 = ValueLayout.JAVA_INT_UNALIGNED;
    private static final ValueLayout U64 = ValueLayout.JAVA_LONG_UNALIGNED;

    /** {@code struct setup_header} (boot protocol 2.15). */
    public static final StructLayout SETUP_HEADER = MemoryLayout.structLayout(
                    U8.withName("setup_sects"),
                    U16.withName("root_flags"),
                    U32.withName("syssize"),
                    U16.withName("ram_size"),
                    U16.withName("vid_mode"),
                    U16.withName("root_dev"),
                    U16.withName("boot_flag"),
                    U16.withName("jump"),
                    U32.withName("header"),
                    U16.withName("version"),
                    U32.withName("realmode_swtch"),
                    U16.withName("start_sys_seg"),
                    U16.withName("kernel_version"),
                    U8.withName("type_of_loader"),
                    U8.withName("loadflags"),
                    U16.withName("setup_move_size"),
                    U32.withName("code32_start"),
                    U32.withName("ramdisk_image"),
                    U32.withName("ramdisk_size"),
                    U32.withName("bootsect_kludge"),
                    U16.withName("heap_end_ptr"),
                    U8.withName("ext_loader_ver"),
                    U8.withName("ext_loader_type"),
                    U32.withName("cmd_line_ptr"),
                    U32.withName("initrd_addr_max"),
                    U32.withName("kernel_alignment"),
                    U8.withName("relocatable_kernel"),
                    U8.withName("min_alignment"),
                    U16.withName("xloadflags"),
                    U32.withName("cmdline_size"),
                    U32.withName("hardware_subarch"),
                    U64.withName("hardware_subarch_data"),
                    U32.withName("payload_offset"),
                    U32.withName("payload_length"),
                    U64.withName("setup_data"),
                    U64.withName("pref_address"),
                    U32.withName("init_size"),
                    U32.withName("handover_offset"),
                    U32.withName("kernel_info_offset"))
            .withName("setup_header");

    /** {@code struct boot_e820_entry}: 20 bytes, packed. */
    public static final StructLayout BOOT_E820_ENTRY = MemoryLayout.structLayout(
                    U64.withName("addr"), U64.withName("size"), U32.withName("type"))
            .withName("boot_e820_entry");

    /** {@code E820_MAX_ENTRIES_ZEROPAGE}. */
    public static final int E820_MAX_ENTRIES_ZEROPAGE = 128;

    /** {@code struct boot_params}: exactly 4096 bytes. */
    public static final StructLayout BOOT_PARAMS = MemoryLayout.structLayout(
                    bytes(0x40, "screen_info"),
                    bytes(0x14, "apm_bios_info"),
                    bytes(4, "_pad2"),
                    U64.withName("tboot_addr"),
                    bytes(0x10, "ist_info"),
                    U64.withName("acpi_rsdp_addr"),
                    bytes(8, "_pad3"),
                    bytes(16, "hd0_info"),
                    bytes(16, "hd1_info"),
                    bytes(0x10, "sys_desc_table"),
                    bytes(0x10, "olpc_ofw_header"),
                    U32.withName("ext_ramdisk_image"),
                    U32.withName("ext_ramdisk_size"),
                    U32.withName("ext_cmd_line_ptr"),
                    bytes(112, "_pad4"),
                    U32.withName("cc_blob_address"),
                    bytes(0x80, "edid_info"),
                    bytes(0x20, "efi_info"),
                    U32.withName("alt_mem_k"),
                    U32.withName("scratch"),
                    U8.withName("e820_entries"),
                    U8.withName("eddbuf_entries"),
                    U8.withName("edd_mbr_sig_buf_entries"),
                    U8.withName("kbd_status"),
                    U8.withName("secure_boot"),
                    bytes(2, "_pad5"),
                    U8.withName("sentinel"),
                    bytes(1, "_pad6"),
                    SETUP_HEADER.withName("hdr"),
                    bytes(0x290 - 0x1f1 - SETUP_HEADER.byteSize(), "_pad7"),
                    MemoryLayout.sequenceLayout(16, U32).withName("edd_mbr_sig_buffer"),
                    MemoryLayout.sequenceLayout(E820_MAX_ENTRIES_ZEROPAGE, BOOT_E820_ENTRY)
                            .withName("e820_table"),
                    bytes(48, "_pad8"),
                    bytes(6 * 82, "eddbuf"),
                    bytes(276, "_pad9"))
            .withName("boot_params");

    // Offsets inside boot_params that BootParams writes.
    static final long ACPI_RSDP_ADDR = bp("acpi_rsdp_addr");
    static final long EXT_RAMDISK_IMAGE = bp("ext_ramdisk_image");
    static final long EXT_RAMDISK_SIZE = bp("ext_ramdisk_size");
    static final long EXT_CMD_LINE_PTR = bp("ext_cmd_line_ptr");
    static final long E820_ENTRIES = bp("e820_entries");
    static final long HDR = bp("hdr");
    static final long E820_TABLE = bp("e820_table");

    // Offsets inside setup_header (add HDR for boot_params, or 0x1f1 for the kernel file).
    static final long SETUP_SECTS = hdr("setup_sects");
    static final long BOOT_FLAG = hdr("boot_flag");
    static final long JUMP = hdr("jump");
    static final long HEADER = hdr("header");
    static final long VERSION = hdr("version");
    static final long TYPE_OF_LOADER = hdr("type_of_loader");
    static final long LOADFLAGS = hdr("loadflags");
    static final long RAMDISK_IMAGE = hdr("ramdisk_image");
    static final long RAMDISK_SIZE = hdr("ramdisk_size");
    static final long CMD_LINE_PTR = hdr("cmd_line_ptr");
    static final long INITRD_ADDR_MAX = hdr("initrd_addr_max");
    static final long KERNEL_ALIGNMENT = hdr("kernel_alignment");
    static final long RELOCATABLE_KERNEL = hdr("relocatable_kernel");
    static final long XLOADFLAGS = hdr("xloadflags");
    static final long CMDLINE_SIZE = hdr("cmdline_size");
    static final long PREF_ADDRESS = hdr("pref_address");
    static final long INIT_SIZE = hdr("init_size");

    // boot_e820_entry members.
    static final long E820_ADDR = BOOT_E820_ENTRY.byteOffset(groupElement("addr"));
    static final long E820_SIZE = BOOT_E820_ENTRY.byteOffset(groupElement("size"));
    static final long E820_TYPE = BOOT_E820_ENTRY.byteOffset(groupElement("type"));

    /** Where the setup header sits in both the kernel file and boot_params. */
    public static final long SETUP_HEADER_OFFSET = 0x1f1;

    private static MemoryLayout bytes(long n, String name) {
        return MemoryLayout.sequenceLayout(n, U8).withName(name);
    }

    private static long bp(String member) {
        return BOOT_PARAMS.byteOffset(groupElement(member));
    }

    private static long hdr(String member) {
        return SETUP_HEADER.byteOffset(groupElement(member));
    }

    private BootParamsLayout() {}
}
