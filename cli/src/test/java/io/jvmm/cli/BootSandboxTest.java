package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.Kvm;
import io.jvmm.kvm.sys.ProcessSyscalls;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code jvmm boot --sandbox}: the probe boots the same in a confined child, also as another user. */
class BootSandboxTest {
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    private record Result(int status, String out) {}

    /** Runs {@code jvmm args} as its own process (the sandbox starts a child sharing its stdio). */
    private static Result jvmm(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                Jvmm.class.getName()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), out);
    }

    private static Path probeToml() {
        assumeTrue(Kvm.isAvailable(), () -> "no usable /dev/kvm: " + Kvm.unavailabilityCause());
        assumeTrue(
                Files.isRegularFile(REPO.resolve("probes/target/hello.elf")),
                "build the probes first: mvn -pl probes package");
        return REPO.resolve("examples/probe-hello.toml");
    }

    @Test
    void theProbeBootsInTheSandbox() throws Exception {
        Result r = jvmm("boot", "--sandbox", "--hac", probeToml().toString());
        assertTrue(r.out().contains("hello from jvmm probe"), r.out());
        assertEquals(0, r.status(), r.out());
    }

    @Test
    void andAsAnotherUser() throws Exception {
        Path toml = probeToml();
        boolean root = ProcessSyscalls.geteuid() == 0;
        if (!root) System.out.println("skipped: --uid needs root");
        assumeTrue(root, "--uid needs root");
        Result r = jvmm("boot", "--sandbox", "--uid", "65534", "--gid", "65534", "--hac", toml.toString());
        assertTrue(r.out().contains("hello from jvmm probe"), r.out());
        assertEquals(0, r.status(), r.out());
    }

    @Test
    void uidWithoutTheSandboxIsRefused() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Jvmm.run(
                new String[] {"boot", "--uid", "1", "--gid", "1", "--kernel", "/nonexistent"},
                new ByteArrayOutputStream(),
                InputStream.nullInputStream(),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(125, status);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--uid and --gid need --sandbox"), err.toString());
    }
}
