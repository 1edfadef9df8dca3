package io.jvmm.kvm.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChildProcessTest {
    private static String readAll(int fd) {
        StringBuilder sb = new StringBuilder();
        MemorySegment buf = Arena.ofAuto().allocate(4096);
        long n;
        while ((n = Libc.read(fd, buf)) > 0)
            sb.append(new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
        return sb.toString();
    }

    /** The child sees exactly the descriptors it was given, at their numbers; nothing of this JVM leaks. */
    @Test
    void inheritsOnlyTheNamedDescriptors() throws Exception {
        int[] out = Libc.pipe();
        int[] pair = SocketSyscalls.socketpair();
        try (ChildProcess p = ChildProcess.spawn(
                List.of("/bin/sh", "-c", "ls /proc/self/fd; echo hi >&5; [ -t 0 ] || echo stdin-not-tty"),
                Map.of(1, out[1], 5, pair[1]))) {
            Libc.close(out[1]);
            Libc.close(pair[1]);
            String listed = readAll(out[0]);
            assertEquals(0, p.waitFor(Duration.ofSeconds(10)));
            // 0-2, 5, and the fd ls itself opened for /proc/self/fd (3).
            assertEquals(
                    List.of("0", "1", "2", "3", "5", "stdin-not-tty"),
                    List.of(listed.strip().split("\\s+")),
                    listed);
            assertEquals("hi\n", readAll(pair[0]));
        } finally {
            Libc.close(out[0]);
            Libc.close(pair[0]);
        }
    }

    /** argv[0] is the caller's, not the path; the environment is exactly the one given. */
    @Test
    void argvZeroAndTheEnvironmentAreTheCallers() throws Exception {
        int[] out = Libc.pipe();
        try (ChildProcess p = ChildProcess.spawn(
                "/bin/sh",
                List.of("multi-call", "-c", "echo \"$0\"; /usr/bin/env"),
                List.of("ONLY=this", "X=1=2"),
                Map.of(1, out[1]),
                false)) {
            Libc.close(out[1]);
            String printed = readAll(out[0]);
            assertEquals(0, p.waitFor(Duration.ofSeconds(10)));
            List<String> lines = printed.lines().toList();
            assertEquals("multi-call", lines.getFirst());
            // dash adds PWD to what it exports; nothing of this JVM's environment is there.
            assertEquals(
                    List.of("ONLY=this", "PWD=" + Path.of("").toAbsolutePath(), "X=1=2"),
                    lines.subList(1, lines.size()).stream().sorted().toList(),
                    printed);
        } finally {
            Libc.close(out[0]);
        }
    }

    @Test
    void exitStatusAndSignals() throws Exception {
        try (ChildProcess p = ChildProcess.spawn(List.of("/bin/sh", "-c", "exit 7"), Map.of())) {
            assertEquals(7, p.waitFor(Duration.ofSeconds(10)));
            assertFalse(p.isAlive());
            p.signal(Libc.SIGKILL); // after the exit: nothing to signal, no error
        }
        try (ChildProcess p = ChildProcess.spawn(List.of("/bin/sleep", "100"), Map.of())) {
            assertTrue(p.isAlive());
            assertEquals(-1, p.waitFor(Duration.ofMillis(50)));
            assertEquals(128 + Libc.SIGTERM, p.terminate(Duration.ofSeconds(5)));
        }
    }

    @Test
    void closeKillsAChildThatStillRuns() throws Exception {
        ChildProcess p = ChildProcess.spawn(List.of("/bin/sleep", "100"), Map.of());
        long pid = p.pid();
        p.close();
        p.close();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "sleep still runs after close()");
    }

    @Test
    void aMissingProgramIsANativeExceptionNamingIt() {
        NativeException e =
                assertThrows(NativeException.class, () -> ChildProcess.spawn(List.of("/no/such/program"), Map.of()));
        assertTrue(e.getMessage().contains("/no/such/program") && e.getMessage().contains("ENOENT"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ChildProcess.spawn(List.of("sh"), Map.of()));
    }
}
