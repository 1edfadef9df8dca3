package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.Kvm;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvmm boot --profile-guest}: a report of the guest's functions, and its refusals. */
class BootProfileTest {
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path dir;

    private record Result(int status, String out, String err) {}

    private static Result jvmm(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status =
                Jvmm.run(args, out, InputStream.nullInputStream(), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void theProbesFunctionsAreNamedInTheReport() throws Exception {
        assumeTrue(Kvm.isAvailable(), () -> "no usable /dev/kvm: " + Kvm.unavailabilityCause());
        Path probe = REPO.resolve("probes/target/pio-loop.elf");
        assumeTrue(Files.isRegularFile(probe), "build the probes first: mvn -pl probes package");
        Path report = dir.resolve("probe.prof");
        // The loop runs at CPL0 in the probe's static body(); at 1000 Hz many samples land there.
        Result r = jvmm(
                "boot",
                "--kernel",
                probe.toString(),
                "--memory",
                "128",
                "--cmdline",
                "n=20000 mode=cpl0",
                "--profile-guest",
                report.toString(),
                "--profile-hz",
                "1000");
        assertEquals(0, r.status(), r.err());
        assertTrue(r.err().contains("guest profile ("), r.err());
        assertTrue(r.err().contains("written to " + report), r.err());
        String text = Files.readString(report);
        assertTrue(text.startsWith("guest profile: "), text);
        assertTrue(text.contains(" at 1000 Hz "), text);
        assertFalse(text.contains("no kernel symbols"), text);
        assertTrue(text.contains("  body\n"), "the loop's function: " + text);
    }

    @Test
    void badProfileOptionsAreUsageErrors() {
        Path missing = dir.resolve("no/such/dir/p.prof");
        Result r = jvmm("boot", "--kernel", "/nonexistent", "--profile-guest", missing.toString());
        assertEquals(125, r.status());
        assertTrue(r.err().contains("--profile-guest: directory " + missing.getParent() + " does not exist"), r.err());

        r = jvmm("boot", "--kernel", "/nonexistent", "--profile-hz", "100");
        assertEquals(125, r.status());
        assertTrue(r.err().contains("--profile-hz needs --profile-guest"), r.err());

        r = jvmm(
                "boot",
                "--kernel",
                "/nonexistent",
                "--profile-guest",
                dir.resolve("p").toString(),
                "--profile-hz",
                "0");
        assertEquals(125, r.status());
        assertTrue(r.err().contains("--profile-hz: 0 is not 1 to 10000"), r.err());

        r = jvmm("boot", "--kernel", "/nonexistent", "--profile-guest", dir.toString());
        assertEquals(125, r.status());
        assertTrue(r.err().contains("is a directory, not a file"), r.err());

        r = jvmm(
                "boot",
                "--sandbox",
                "--kernel",
                "/nonexistent",
                "--profile-guest",
                dir.resolve("p").toString());
        assertEquals(125, r.status());
        assertTrue(r.err().contains("--profile-guest: not with --sandbox"), r.err());
    }
}
