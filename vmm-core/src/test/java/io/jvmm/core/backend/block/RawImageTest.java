package io.jvmm.core.backend.block;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.core.ConfigException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RawImageTest {
    @TempDir
    Path dir;

    private final Arena arena = Arena.ofAuto();

    private Path image(int bytes) throws IOException {
        byte[] data = new byte[bytes];
        for (int i = 0; i < bytes; i++) data[i] = (byte) (i * 13 + (i >> 9));
        Path p = dir.resolve("disk.img");
        Files.write(p, data);
        return p;
    }

    private MemorySegment seg(int len) {
        return arena.allocate(len);
    }

    @ParameterizedTest(name = "mapped={0}")
    @ValueSource(booleans = {true, false})
    void vectoredReadAndWrite(boolean map) throws IOException {
        Path p = image(8192);
        byte[] want = Files.readAllBytes(p);
        try (RawImage img = RawImage.open("drives.vda", p, false, map)) {
            assertEquals(8192, img.size());
            MemorySegment a = seg(100), b = seg(924), c = seg(1024);
            img.read(512, List.of(a, b, c));
            assertArrayEquals(Arrays.copyOfRange(want, 512, 612), a.toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(Arrays.copyOfRange(want, 612, 1536), b.toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(Arrays.copyOfRange(want, 1536, 2560), c.toArray(ValueLayout.JAVA_BYTE));
            MemorySegment w1 = seg(300).fill((byte) 1), w2 = seg(212).fill((byte) 2);
            img.write(4096, List.of(w1, w2));
            img.flush();
        }
        byte[] after = Files.readAllBytes(p);
        for (int i = 4096; i < 4396; i++) assertEquals(1, after[i]);
        for (int i = 4396; i < 4608; i++) assertEquals(2, after[i]);
        assertEquals(want[4095], after[4095]);
        assertEquals(want[4608], after[4608]);
    }

    @ParameterizedTest(name = "mapped={0}")
    @ValueSource(booleans = {true, false})
    void manyBuffersAreSplitIntoBatches(boolean map) throws IOException {
        Path p = image(1 << 20);
        byte[] want = Files.readAllBytes(p);
        List<MemorySegment> bufs = new ArrayList<>();
        for (int i = 0; i < 2048; i++) bufs.add(seg(512)); // more than IOV_MAX
        try (RawImage img = RawImage.open("drives.vda", p, true, map)) {
            assertEquals(map, img.mapped());
            img.read(0, bufs);
        }
        for (int i = 0; i < 2048; i++) {
            assertArrayEquals(
                    Arrays.copyOfRange(want, i * 512, i * 512 + 512),
                    bufs.get(i).toArray(ValueLayout.JAVA_BYTE),
                    "buffer " + i);
        }
    }

    @ParameterizedTest(name = "mapped={0}")
    @ValueSource(booleans = {true, false})
    void readPastTheEndOfAnOddSizedFileFillsZeroes(boolean map) throws IOException {
        Path p = image(1000); // one full sector and a partial one
        try (RawImage img = RawImage.open("drives.vda", p, true, map)) {
            MemorySegment s = seg(1024).fill((byte) 0x77);
            img.read(0, List.of(s));
            assertEquals(0, s.get(ValueLayout.JAVA_BYTE, 1000));
            assertEquals(0, s.get(ValueLayout.JAVA_BYTE, 1023));
            // Buffers that start at and past the end read as zeroes too.
            MemorySegment a = seg(600).fill((byte) 0x77),
                    b = seg(512).fill((byte) 0x77),
                    c = seg(512).fill((byte) 0x77);
            img.read(512, List.of(a, b, c));
            assertEquals(0, a.get(ValueLayout.JAVA_BYTE, 599));
            assertEquals(0, b.get(ValueLayout.JAVA_BYTE, 0));
            assertEquals(0, c.get(ValueLayout.JAVA_BYTE, 511));
        }
    }

    @ParameterizedTest(name = "mapped={0}")
    @ValueSource(booleans = {true, false})
    void discardAndWriteZeroesReadBackAsZeroes(boolean map) throws IOException {
        Path p = image(64 * 1024);
        try (RawImage img = RawImage.open("drives.vda", p, false, map)) {
            assertTrue(img.supportsDiscard());
            img.writeZeroes(4096, 8192, true);
            img.writeZeroes(20480, 512, false);
            img.discard(32768, 4096);
            img.flush();
        }
        byte[] after = Files.readAllBytes(p);
        for (int i = 4096; i < 12288; i++) assertEquals(0, after[i], "byte " + i);
        for (int i = 20480; i < 20992; i++) assertEquals(0, after[i], "byte " + i);
        assertEquals(64 * 1024, after.length, "size kept");
        assertNotEquals(0, after[12288 + 1]);
    }

    @ParameterizedTest(name = "mapped={0}")
    @ValueSource(booleans = {true, false})
    void readOnlyImageRefusesWrites(boolean map) throws IOException {
        Path p = image(4096);
        try (RawImage img = RawImage.open("drives.vda", p, true, map)) {
            assertTrue(img.readOnly());
            assertFalse(img.supportsDiscard());
            assertThrows(IOException.class, () -> img.write(0, List.of(seg(512))));
        }
    }

    @Test
    void writableImageIsLockedAgainstASecondUser() throws IOException {
        Path p = image(4096);
        try (RawImage img = RawImage.open("drives.vda", p, false)) {
            ConfigException e = assertThrows(ConfigException.class, () -> RawImage.open("drives.vdb", p, false));
            assertTrue(
                    e.getMessage().contains("drives.vdb") && e.getMessage().contains("in use by another VM"),
                    e.getMessage());
            assertThrows(ConfigException.class, () -> RawImage.open("drives.vdb", p, true));
        }
        // Closed: the lock is gone.
        RawImage.open("drives.vda", p, false).close();
    }

    @Test
    void readOnlyImagesCanBeShared() throws IOException {
        Path p = image(4096);
        try (RawImage a = RawImage.open("drives.a", p, true);
                RawImage b = RawImage.open("drives.b", p, true)) {
            assertEquals(a.size(), b.size());
            assertThrows(ConfigException.class, () -> RawImage.open("drives.c", p, false));
        }
    }

    @Test
    void badPathsAreNamed() throws IOException {
        ConfigException missing =
                assertThrows(ConfigException.class, () -> RawImage.open("drives.vda", dir.resolve("nope.img"), true));
        assertTrue(
                missing.getMessage().contains("drives.vda")
                        && missing.getMessage().contains("does not exist"),
                missing.getMessage());
        ConfigException directory = assertThrows(ConfigException.class, () -> RawImage.open("drives.vda", dir, true));
        assertTrue(directory.getMessage().contains("is a directory"), directory.getMessage());
        Path tiny = dir.resolve("tiny.img");
        Files.write(tiny, new byte[100]);
        ConfigException small = assertThrows(ConfigException.class, () -> RawImage.open("drives.vda", tiny, true));
        assertTrue(small.getMessage().contains("at least one 512-byte sector"), small.getMessage());
    }

    @Test
    void imagesAreMappedByDefault() throws IOException {
        try (RawImage img = RawImage.open("drives.vda", image(4096), false)) {
            assertTrue(img.mapped(), "a regular file on this file system can be mapped");
        }
    }

    /**
     * Someone truncates the image under a running VM: the mapped pages past the new end are gone,
     * and touching them raises SIGBUS. That must become an IOException (IOERR for the guest),
     * never a crash of the VMM; what is still inside the file keeps working.
     */
    @Test
    void aTruncatedImageGivesIoErrorsNotACrash() throws IOException {
        Path p = image(1 << 20);
        try (RawImage img = RawImage.open("drives.vda", p, false, true)) {
            MemorySegment s = seg(4096);
            img.read(512 * 1024, List.of(s)); // mapped and faulted in before the truncation
            try (var ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                ch.truncate(8192);
            }
            IOException r = assertThrows(IOException.class, () -> img.read(512 * 1024, List.of(s)));
            assertTrue(r.getMessage().contains("I/O error at offset"), r.getMessage());
            assertThrows(IOException.class, () -> img.write(600 * 1024, List.of(seg(4096))));
            img.read(0, List.of(s));
            img.write(4096, List.of(seg(4096).fill((byte) 9)));
            img.flush();
        }
        assertEquals(9, Files.readAllBytes(p)[4096]);
    }

    @Test
    void aClosedImageRefusesRequestsInsteadOfTouchingUnmappedMemory() throws IOException {
        RawImage img = RawImage.open("drives.vda", image(8192), false, true);
        img.close();
        assertThrows(IOException.class, () -> img.read(0, List.of(seg(512))));
        assertThrows(IOException.class, () -> img.write(0, List.of(seg(512))));
    }
}
