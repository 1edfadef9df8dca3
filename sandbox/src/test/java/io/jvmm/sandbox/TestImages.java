package io.jvmm.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.Kvm;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The project's kernel (kernel/build.sh) and busybox root image (guest-rootfs) for guest tests. */
final class TestImages {
    private TestImages() {}

    private static Path kernelDir;

    static Path home() {
        return Path.of(System.getProperty("jvmm.home", ".."));
    }

    static void requireKvm() {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
    }

    /** $JVMM_KERNEL_DIR (set by test.sh), else kernel/build.sh builds or finds it. */
    static synchronized Path kernel() throws IOException, InterruptedException {
        if (kernelDir == null) {
            String env = System.getenv("JVMM_KERNEL_DIR");
            if (env != null && !env.isBlank()) {
                kernelDir = Path.of(env);
            } else {
                Process p = new ProcessBuilder(home().resolve("kernel/build.sh").toString())
                        .redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                assertEquals(0, p.waitFor(), "kernel/build.sh failed");
                kernelDir = Path.of(out.substring(out.lastIndexOf('\n') + 1));
            }
        }
        Path k = kernelDir.resolve("vmlinux");
        if (!Files.isRegularFile(k)) throw new IllegalStateException("no vmlinux in " + kernelDir);
        return k;
    }

    static boolean passtInstalled() {
        return Files.isExecutable(Path.of("/usr/bin/passt")) || Files.isExecutable(Path.of("/usr/sbin/passt"));
    }

    /** A C compiler that links statically for the guest: musl-gcc, else gcc (glibc's static libc), or null. */
    static String staticCompiler() {
        for (String cc : new String[] {"/usr/bin/musl-gcc", "/usr/bin/gcc"}) {
            if (Files.isExecutable(Path.of(cc))
                    && (!cc.endsWith("/gcc") || Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libc.a")))) return cc;
        }
        return null;
    }

    static Path rootfs() {
        Path p = home().resolve("guest-rootfs/target/rootfs.ext4");
        if (!Files.isRegularFile(p))
            throw new IllegalStateException(
                    "the busybox root image " + p + " was not built (mvn -pl guest-rootfs install)");
        return p;
    }

    /** A fresh ext4 image of {@code mib} MiB, or a skipped test when mkfs.ext4 is missing. */
    static Path ext4(Path file, int mib) throws IOException, InterruptedException {
        Path mkfs = Path.of("/usr/sbin/mkfs.ext4");
        if (!Files.isExecutable(mkfs)) mkfs = Path.of("/sbin/mkfs.ext4");
        assumeTrue(Files.isExecutable(mkfs), "skipped: mkfs.ext4 is not installed (Debian: e2fsprogs)");
        try (var f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength((long) mib << 20);
        }
        Process p = new ProcessBuilder(mkfs.toString(), "-q", "-F", "-E", "root_owner=0:0", file.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "mkfs.ext4 failed: " + out);
        return file;
    }
}
