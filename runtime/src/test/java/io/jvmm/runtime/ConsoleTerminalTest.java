package io.jvmm.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import io.jvmm.kvm.sys.Pty;
import io.jvmm.kvm.sys.SocketSyscalls;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The console-socket end of a terminal, against a receiver that does what conmon does with the master. */
class ConsoleTerminalTest {
    @TempDir
    Path dir;

    @Test
    void theMasterGoesToTheSocketAndTheSlaveCarriesBytesSizeAndHangUp() throws Exception {
        Path socket = dir.resolve("console.sock");
        int listener = SocketSyscalls.listen(socket);
        int master = -1;
        try (ConsoleTerminal t = ConsoleTerminal.send(socket)) {
            int conn = SocketSyscalls.accept(listener);
            SocketSyscalls.ReceivedFd r = SocketSyscalls.receiveFd(conn);
            Libc.close(conn);
            master = r.fd();
            assertTrue(new String(r.data(), StandardCharsets.UTF_8).startsWith("/dev/pts/"));

            assertEquals(Optional.empty(), t.size(), "no size until the other end sets one");
            Pty.setWindowSize(master, new Pty.Size(30, 100));
            assertArrayEquals(new int[] {30, 100}, t.size().orElseThrow());

            write(master, "typed\r");
            InputStream in = t.input();
            byte[] got = new byte[6];
            assertEquals(6, in.readNBytes(got, 0, 6));
            assertEquals("typed\r", new String(got, StandardCharsets.UTF_8), "raw: no line editing, no ICRNL");
            t.output().write("shown\n".getBytes(StandardCharsets.UTF_8));
            assertEquals("shown\n", read(master), "raw: no OPOST, and nothing echoed before it");

            t.close();
            assertFalse(t.isOpen());
            assertEquals(-1, in.read(), "closed: end of file, not a read of a reused descriptor");
            int m = master;
            NativeException hup = assertThrows(NativeException.class, () -> read(m));
            assertEquals(5, hup.errno(), "the master reads the hang-up (EIO)");
        } finally {
            if (master >= 0) Libc.close(master);
            Libc.close(listener);
        }
    }

    @Test
    void aSocketNobodyListensOnIsAOneLineError() {
        EngineException e = assertThrows(EngineException.class, () -> ConsoleTerminal.send(dir.resolve("nobody.sock")));
        assertTrue(
                e.getMessage().startsWith("console socket " + dir.resolve("nobody.sock") + ": connect("),
                e.getMessage());
    }

    @Test
    void theOtherEndClosingIsEndOfInput() throws Exception {
        Path socket = dir.resolve("c.sock");
        int listener = SocketSyscalls.listen(socket);
        try (ConsoleTerminal t = ConsoleTerminal.send(socket)) {
            int conn = SocketSyscalls.accept(listener);
            int master = SocketSyscalls.receiveFd(conn).fd();
            Libc.close(conn);
            Libc.close(master);
            assertEquals(-1, t.input().read());
        } finally {
            Libc.close(listener);
        }
    }

    private static void write(int fd, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(b.length);
            MemorySegment.copy(b, 0, buf, ValueLayout.JAVA_BYTE, 0, b.length);
            Libc.write(fd, buf);
        }
    }

    private static String read(int fd) {
        assertTrue(Libc.poll(fd, Libc.POLLIN, 5000) != 0, "nothing to read");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(256);
            long n = Libc.read(fd, buf);
            return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }
}
