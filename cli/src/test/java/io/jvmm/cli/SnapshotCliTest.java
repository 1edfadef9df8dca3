package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.Kvm;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvmm boot --snapshot-on / --snapshot-on-signal / --restore} with the counter probe. */
class SnapshotCliTest {
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();
    private static final Path COUNTER = REPO.resolve("probes/target/counter.elf");

    @TempDir
    Path dir;

    @BeforeAll
    static void kvm() {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: no usable /dev/kvm: " + Kvm.unavailabilityCause());
        assertTrue(Files.isRegularFile(COUNTER), "probe " + COUNTER + " was not built");
    }

    private record Run(int status, String out, String err) {}

    private static Run jvmm(String... args) {
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Jvmm.run(
                args, console, InputStream.nullInputStream(), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, console.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void snapshotOnAConsoleMarkerThenRestoreAndFinish() {
        Path snap = dir.resolve("snap");
        Run first = jvmm(
                "boot",
                "--kernel",
                COUNTER.toString(),
                "--memory",
                "64",
                "--no-rng",
                "--cmdline",
                "every=100000000 limit=2000000000",
                "--snapshot-on",
                snap + ":counter: 500000000");
        assertEquals(0, first.status(), first.err());
        assertTrue(first.err().contains("jvmm: snapshot written to " + snap), first.err());
        assertFalse(first.out().contains("counter: done"), "the VM ran on after the snapshot: " + first.out());
        Run second = jvmm("boot", "--restore", snap.toString(), "--no-rng");
        assertEquals(0, second.status(), second.err());
        assertFalse(second.out().contains("counter: start"), "booted again: " + second.out());
        assertTrue(second.out().contains("counter: 600000000"), second.out());
        assertTrue(second.out().contains("counter: done 2000000000"), second.out());
    }

    /** Also: under the caller's umask 002, the vsock socket and the snapshot are still private. */
    @Test
    void snapshotOnSigusr1() throws Exception {
        Path snap = dir.resolve("snap");
        Path sock = dir.resolve("v.sock");
        List<String> cmd = List.of(
                "/bin/sh",
                "-c",
                "umask 002 && exec \"$@\"",
                "sh",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Jvmm.class.getName(),
                "boot",
                "--kernel",
                COUNTER.toString(),
                "--memory",
                "64",
                "--no-rng",
                "--cmdline",
                "every=100000000",
                "--vsock-uds",
                sock.toString(),
                "--snapshot-on-signal",
                snap.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        StringBuilder out = new StringBuilder();
        String socketMode = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                out.append(line).append('\n');
                if (line.equals("counter: 100000000")) {
                    socketMode = PosixFilePermissions.toString(Files.getPosixFilePermissions(sock));
                    new ProcessBuilder("kill", "-USR1", Long.toString(p.pid()))
                            .start()
                            .waitFor();
                }
            }
        } finally {
            if (!p.waitFor(30, TimeUnit.SECONDS)) p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), out.toString());
        assertTrue(out.toString().contains("jvmm: snapshot written to " + snap), out.toString());
        assertTrue(Files.isRegularFile(snap.resolve("state")) && Files.isRegularFile(snap.resolve("memory")));
        assertTrue(
                socketMode != null && socketMode.endsWith("------"),
                "the vsock socket lets its holder into the guest: " + socketMode);
        for (Path f : List.of(snap, snap.resolve("state"), snap.resolve("memory"))) {
            String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(f));
            assertTrue(mode.endsWith("------"), f + " is " + mode);
        }
    }

    @Test
    void badRestoresAreOneLine() throws Exception {
        Run missing = jvmm("boot", "--restore", dir.resolve("none").toString());
        assertEquals(125, missing.status());
        assertEquals(
                "jvmm: --restore: " + dir.resolve("none") + ": no such snapshot directory",
                missing.err().strip());
        Files.createDirectories(dir.resolve("junk"));
        Files.writeString(dir.resolve("junk/state"), "not a snapshot at all");
        Run junk = jvmm("boot", "--restore", dir.resolve("junk").toString());
        assertEquals(125, junk.status());
        assertTrue(junk.err().strip().endsWith("is not a jvmm snapshot (bad magic)"), junk.err());
        assertEquals(1, junk.err().strip().lines().count(), junk.err());
        Run both = jvmm("boot", "--kernel", COUNTER.toString(), "--snapshot-on-signal", "a", "--snapshot-on", "b:c");
        assertEquals(125, both.status());
        Run noMarker = jvmm("boot", "--kernel", COUNTER.toString(), "--snapshot-on", "dir-only");
        assertEquals(125, noMarker.status());
        assertTrue(noMarker.err().contains("expected DIR:STRING"), noMarker.err());
    }
}
