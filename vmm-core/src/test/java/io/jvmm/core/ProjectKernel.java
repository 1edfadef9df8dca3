package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The kernel that kernel/build.sh builds: from $JVMM_KERNEL_DIR, else built (or found cached) now. */
final class ProjectKernel {
    private ProjectKernel() {}

    private static Path dir;

    static synchronized Path dir() throws IOException, InterruptedException {
        if (dir != null) return dir;
        String env = System.getenv("JVMM_KERNEL_DIR");
        if (env != null && !env.isBlank()) {
            dir = Path.of(env);
        } else {
            Path script = Path.of(System.getProperty("jvmm.home", "..")).resolve("kernel/build.sh");
            Process p = new ProcessBuilder(script.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertEquals(0, p.waitFor(), "kernel/build.sh failed");
            dir = Path.of(out.substring(out.lastIndexOf('\n') + 1));
        }
        assertTrue(Files.isRegularFile(dir.resolve("vmlinux")), "no vmlinux in " + dir);
        return dir;
    }
}
