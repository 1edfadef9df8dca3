package io.jvmm.loader;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelImageTest {
    @TempDir
    Path dir;

    @Test
    void detectsBothFormats() {
        ElfBuilder elf = new ElfBuilder();
        elf.load(0, 0x100000, new byte[16], 16);
        elf.entry = 0x100000;
        assertEquals(KernelImage.ELF, KernelImage.detect(elf.build()));
        assertEquals(KernelImage.BZIMAGE, KernelImage.detect(new BzImageBuilder().build()));
        assertEquals(KernelImage.BZIMAGE, KernelImage.detect(TestFiles.write(dir, "bz", new BzImageBuilder().build())));
    }

    @Test
    void rejectsEverythingElse() {
        for (byte[] junk :
                new byte[][] {new byte[0], new byte[3], TestFiles.random(5, 4096), "#!/bin/sh\n".getBytes()}) {
            LoaderException e = assertThrows(LoaderException.class, () -> KernelImage.detect(junk));
            assertEquals(LoaderException.Reason.UNKNOWN_FORMAT, e.reason());
            assertEquals("not a kernel: neither an ELF file nor a bzImage (no HdrS signature)", e.getMessage());
        }
    }

    @Test
    void loadDispatchesOnFormat() {
        ElfBuilder elf = new ElfBuilder();
        elf.load(0, 0x100000, new byte[] {1, 2, 3}, 16);
        elf.entry = 0x100000;
        assertNull(KernelImage.load(TestFiles.ram(4 << 20), TestFiles.write(dir, "e", elf.build()))
                .header());
        assertNotNull(KernelImage.load(TestFiles.ram(32 << 20), TestFiles.write(dir, "b", new BzImageBuilder().build()))
                .header());
    }

    @Test
    void missingFileIsIoError() {
        LoaderException e = assertThrows(LoaderException.class, () -> KernelImage.detect(dir.resolve("nope")));
        assertEquals(LoaderException.Reason.IO_ERROR, e.reason());
        assertTrue(e.getMessage().contains("nope"));
    }
}
