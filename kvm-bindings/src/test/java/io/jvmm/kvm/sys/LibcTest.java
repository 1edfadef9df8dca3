package io.jvmm.kvm.sys;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class LibcTest {
    @Test
    void cStringIsUtf8AndTerminated() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment c = Libc.cString(arena, "/tmp/ü");
            byte[] expected = "/tmp/ü".getBytes(StandardCharsets.UTF_8);
            assertEquals(expected.length + 1, c.byteSize());
            assertArrayEquals(expected, c.asSlice(0, expected.length).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(0, c.get(ValueLayout.JAVA_BYTE, expected.length));
        }
    }

    @Test
    void embeddedNulIsRefusedNotTruncated() {
        // Truncating would open another file than the one named: /etc/passwd for "/etc/passwd\0.img".
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> Libc.open("/etc/passwd\0.img", Libc.O_RDONLY));
        assertTrue(e.getMessage().contains("NUL"), e.getMessage());
    }

    @Test
    void openNamesThePathAndErrno(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path f = Files.writeString(dir.resolve("x"), "x");
        Libc.close(Libc.open(f.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC));
        NativeException e = assertThrows(
                NativeException.class, () -> Libc.open(dir.resolve("missing").toString(), Libc.O_RDONLY));
        assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("ENOENT"), e.getMessage());
    }
}
