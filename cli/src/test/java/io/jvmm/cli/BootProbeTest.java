package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

/** End to end: {@code jvmm boot --hac examples/probe-hello.toml}, in-process, on real KVM. */
class BootProbeTest {
    /** Surefire runs with the module directory as working directory. */
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    @Test
    void helloProbeBootsPrintsAndExitsZero() {
        assumeTrue(Kvm.isAvailable(), () -> "no usable /dev/kvm: " + Kvm.unavailabilityCause());
        Path probe = REPO.resolve("probes/target/hello.elf");
        assumeTrue(Files.isRegularFile(probe), "build the probes first: mvn -pl probes package");
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Jvmm.run(
                new String[] {
                    "boot", "--hac", REPO.resolve("examples/probe-hello.toml").toString()
                },
                console,
                InputStream.nullInputStream(),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String out = console.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("hello from jvmm probe"), "console: " + out + "\nstderr: " + err);
        assertEquals(0, status, "stderr: " + err);
    }
}
