package io.jvmm.loader;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.GroupLayout;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.StructLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compares every member of the Java layouts with gcc's offsetof/sizeof: boot_params, setup_header
 * and boot_e820_entry from the host's {@code <asm/bootparam.h>}; the hvm_start_info structs from a
 * copy of Xen's start_info.h embedded below (no system header ships them). The C is generated
 * from the layouts, so a member can't be forgotten.
 */
class LayoutAgreementTest {
    private static final String XEN_START_INFO = """
            struct hvm_start_info {
                uint32_t magic; uint32_t version; uint32_t flags; uint32_t nr_modules;
                uint64_t modlist_paddr; uint64_t cmdline_paddr; uint64_t rsdp_paddr;
                uint64_t memmap_paddr; uint32_t memmap_entries; uint32_t reserved;
            };
            struct hvm_modlist_entry { uint64_t paddr; uint64_t size; uint64_t cmdline_paddr; uint64_t reserved; };
            struct hvm_memmap_table_entry { uint64_t addr; uint64_t size; uint32_t type; uint32_t reserved; };
            """;

    private static final Map<String, StructLayout> STRUCTS = new LinkedHashMap<>();
    private static Map<String, Long> fromC;

    @BeforeAll
    static void compile(@TempDir Path dir) throws Exception {
        if (!ElfLoaderTest.onPath("gcc")) return;
        STRUCTS.put("boot_params", BootParamsLayout.BOOT_PARAMS);
        STRUCTS.put("setup_header", BootParamsLayout.SETUP_HEADER);
        STRUCTS.put("boot_e820_entry", BootParamsLayout.BOOT_E820_ENTRY);
        STRUCTS.put("hvm_start_info", PvhStartInfo.HVM_START_INFO);
        STRUCTS.put("hvm_modlist_entry", PvhStartInfo.HVM_MODLIST_ENTRY);
        STRUCTS.put("hvm_memmap_table_entry", PvhStartInfo.HVM_MEMMAP_TABLE_ENTRY);
        StringBuilder c = new StringBuilder(
                        "#include <stdio.h>\n#include <stddef.h>\n#include <stdint.h>\n#include <asm/bootparam.h>\n")
                .append(XEN_START_INFO)
                .append("int main(void) {\n");
        for (var e : STRUCTS.entrySet()) {
            c.append(String.format("  printf(\"%1$s %%zu\\n\", sizeof(struct %1$s));\n", e.getKey()));
            emitMembers(c, e.getKey(), e.getValue(), "");
        }
        c.append("  printf(\"E820_MAX_ENTRIES_ZEROPAGE %d\\n\", E820_MAX_ENTRIES_ZEROPAGE);\n");
        c.append("  printf(\"LOADED_HIGH %d\\nXLF_KERNEL_64 %d\\n\", LOADED_HIGH, XLF_KERNEL_64);\n  return 0;\n}\n");
        Path src = Files.writeString(dir.resolve("layouts.c"), c);
        Path exe = dir.resolve("layouts");
        ElfLoaderTest.run("gcc", "-Wall", "-Werror", "-o", exe.toString(), src.toString());
        fromC = new LinkedHashMap<>();
        for (String line : ElfLoaderTest.run(exe.toString()).split("\n")) {
            String[] kv = line.split(" ");
            fromC.put(kv[0], Long.parseLong(kv[1]));
        }
    }

    private static void emitMembers(StringBuilder c, String struct, GroupLayout g, String prefix) {
        for (MemoryLayout m : g.memberLayouts()) {
            if (m.name().isEmpty()) continue;
            String path = prefix + m.name().get();
            c.append(String.format("  printf(\"%1$s.%2$s@ %%zu\\n\", offsetof(struct %1$s, %2$s));\n", struct, path));
            c.append(String.format(
                    "  printf(\"%1$s.%2$s# %%zu\\n\", sizeof(((struct %1$s *)0)->%2$s));\n", struct, path));
            if (m instanceof GroupLayout inner) emitMembers(c, struct, inner, path + ".");
        }
    }

    @Test
    void everyMemberMatchesC() {
        assumeTrue(fromC != null, "gcc not installed");
        int checked = 0;
        for (var e : STRUCTS.entrySet()) {
            assertEquals(fromC.get(e.getKey()), e.getValue().byteSize(), "sizeof(struct " + e.getKey() + ")");
            checked += check(e.getKey(), e.getValue(), "", 0);
        }
        assertTrue(checked > 120, "checked " + checked + " members");
    }

    private int check(String struct, GroupLayout g, String prefix, long base) {
        int n = 0;
        long at = 0;
        for (MemoryLayout m : g.memberLayouts()) {
            if (m.name().isPresent()) {
                String key = struct + "." + prefix + m.name().get();
                assertEquals(fromC.get(key + "@"), base + at, "offsetof " + key); // offsetof(s, a.b) is from s
                assertEquals(fromC.get(key + "#"), m.byteSize(), "sizeof " + key);
                n++;
                if (m instanceof GroupLayout inner)
                    n += check(struct, inner, prefix + m.name().get() + ".", base + at);
            }
            at += m.byteSize();
        }
        return n;
    }

    @Test
    void constantsMatchC() {
        assumeTrue(fromC != null, "gcc not installed");
        assertEquals(fromC.get("E820_MAX_ENTRIES_ZEROPAGE"), (long) BootParamsLayout.E820_MAX_ENTRIES_ZEROPAGE);
        assertEquals(fromC.get("LOADED_HIGH"), (long) SetupHeader.LOADED_HIGH);
        assertEquals(fromC.get("XLF_KERNEL_64"), (long) SetupHeader.XLF_KERNEL_64);
    }

    @Test
    void wellKnownOffsets() {
        // zero-page.rst / boot.rst numbers, independent of gcc.
        assertEquals(4096, BootParamsLayout.BOOT_PARAMS.byteSize());
        assertEquals(0x1f1, BootParamsLayout.HDR);
        assertEquals(BootParamsLayout.SETUP_HEADER_OFFSET, BootParamsLayout.HDR);
        assertEquals(0x210, BootParamsLayout.HDR + BootParamsLayout.TYPE_OF_LOADER);
        assertEquals(0x228, BootParamsLayout.HDR + BootParamsLayout.CMD_LINE_PTR);
        assertEquals(0x238, BootParamsLayout.HDR + BootParamsLayout.CMDLINE_SIZE);
        assertEquals(0x218, BootParamsLayout.HDR + BootParamsLayout.RAMDISK_IMAGE);
        assertEquals(0x21c, BootParamsLayout.HDR + BootParamsLayout.RAMDISK_SIZE);
        assertEquals(0x260, BootParamsLayout.HDR + BootParamsLayout.INIT_SIZE);
        assertEquals(0x0c0, BootParamsLayout.EXT_RAMDISK_IMAGE);
        assertEquals(0x0c4, BootParamsLayout.EXT_RAMDISK_SIZE);
        assertEquals(0x0c8, BootParamsLayout.EXT_CMD_LINE_PTR);
        assertEquals(0x1e8, BootParamsLayout.E820_ENTRIES);
        assertEquals(0x2d0, BootParamsLayout.E820_TABLE);
        assertEquals(20, BootParamsLayout.BOOT_E820_ENTRY.byteSize());
        assertEquals(56, PvhStartInfo.HVM_START_INFO.byteSize());
        assertEquals(32, PvhStartInfo.HVM_MODLIST_ENTRY.byteSize());
        assertEquals(24, PvhStartInfo.HVM_MEMMAP_TABLE_ENTRY.byteSize());
    }
}
