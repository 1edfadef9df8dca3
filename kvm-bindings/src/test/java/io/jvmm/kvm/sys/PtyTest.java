package io.jvmm.kvm.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PtyTest {
    @Test
    void aRawPairPassesBytesUnchangedBothWays() {
        Pty.Pair p = Pty.open();
        try {
            assertTrue(p.slavePath().startsWith("/dev/pts/"), p.slavePath());
            assertTrue(Pty.isCanonical(p.slave()), "a fresh terminal edits lines and echoes");
            Pty.makeRaw(p.slave());
            assertFalse(Pty.isCanonical(p.slave()));
            // Cooked, \r would become \n (ICRNL) and be echoed; \n would become \r\n on the way out (OPOST).
            write(p.master(), "ab\rc\u0003");
            assertEquals("ab\rc\u0003", read(p.slave()));
            write(p.slave(), "out\n");
            assertEquals("out\n", read(p.master()));
            assertEquals(0, Libc.poll(p.master(), Libc.POLLIN, 50), "nothing echoed");
        } finally {
            Libc.close(p.master());
            Libc.close(p.slave());
        }
    }

    @Test
    void theWindowSizeSetOnTheMasterIsTheSlaves() {
        Pty.Pair p = Pty.open();
        try {
            assertEquals(Optional.of(new Pty.Size(0, 0)), Pty.windowSize(p.slave()));
            Pty.setWindowSize(p.master(), new Pty.Size(30, 100));
            assertEquals(Optional.of(new Pty.Size(30, 100)), Pty.windowSize(p.slave()));
            Pty.setWindowSize(p.master(), new Pty.Size(65535, 1));
            assertEquals(Optional.of(new Pty.Size(65535, 1)), Pty.windowSize(p.slave()));
        } finally {
            Libc.close(p.master());
            Libc.close(p.slave());
        }
    }

    @Test
    void aFileIsNoTerminal(@TempDir Path dir) throws Exception {
        int fd = Libc.open(Files.writeString(dir.resolve("f"), "x").toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        try {
            assertEquals(Optional.empty(), Pty.windowSize(fd));
        } finally {
            Libc.close(fd);
        }
    }

    static void write(int fd, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(b.length);
            MemorySegment.copy(b, 0, buf, ValueLayout.JAVA_BYTE, 0, b.length);
            assertEquals(b.length, Libc.write(fd, buf));
        }
    }

    static String read(int fd) {
        assertTrue(Libc.poll(fd, Libc.POLLIN, 5000) != 0, "nothing to read on " + fd);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            long n = Libc.read(fd, buf);
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }
}
