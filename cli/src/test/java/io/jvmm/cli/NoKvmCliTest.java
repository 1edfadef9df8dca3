package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code jvmm boot} where /dev/kvm is not KVM: a real jvmm process in a private mount namespace
 * whose /dev/kvm is /dev/null. One line naming the device and the failed call, status 1.
 */
class NoKvmCliTest {
    private static final Path REPO = Path.of("").toAbsolutePath().getParent();

    @Test
    void unusableDevKvmIsOneClearLine() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to make a mount namespace");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/unshare")), "needs unshare (util-linux)");
        String java = ProcessHandle.current().info().command().orElseThrow();
        String script = "mount --bind /dev/null /dev/kvm && exec \"$0\" --enable-native-access=ALL-UNNAMED"
                + " -cp \"$1\" io.jvmm.cli.Jvmm boot --kernel \"$2\"";
        Process p = new ProcessBuilder(List.of(
                        "unshare",
                        "--mount",
                        "--propagation",
                        "private",
                        "sh",
                        "-c",
                        script,
                        java,
                        System.getProperty("java.class.path"),
                        REPO.resolve("probes/target/hello.elf").toString()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        p.getInputStream().readAllBytes();
        org.junit.jupiter.api.Assertions.assertTrue(p.waitFor(60, TimeUnit.SECONDS), "jvmm did not finish");
        assumeTrue(
                !err.contains("unshare failed") && !err.startsWith("mount:"), () -> "no mount namespace here: " + err);
        assertEquals("jvmm: /dev/kvm: KVM_GET_API_VERSION failed: ENOTTY (Inappropriate ioctl for device)\n", err);
        assertEquals(1, p.exitValue());
    }
}
