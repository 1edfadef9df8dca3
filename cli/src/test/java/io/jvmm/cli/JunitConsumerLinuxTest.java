package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.image.LocalRegistry;
import io.jvmm.kvm.Kvm;
import io.jvmm.runtime.DefaultKernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The artifacts as a user consumes them: examples/junit-consumer, a project of its own that depends on
 * the installed jvmm artifacts through the BOM, runs its tests (restore per test, exec, a mapped port)
 * against an image this test pushes to a loopback registry. ./test.sh installs the artifacts as the
 * build goes (mvn install); when the installed ones are not this build's, the test says so and skips.
 */
@Tag("linux")
class JunitConsumerLinuxTest {
    /** The modules whose installed jars must be this build's (what the consumer's class path holds). */
    private static final List<String> MODULES = List.of(
            "junit",
            "sandbox",
            "runtime",
            "vmm-core",
            "image",
            "guest-agent",
            "virtio",
            "fuse",
            "loader",
            "kvm-bindings",
            "guest-memory",
            "files");

    @TempDir
    Path work;

    private static Path repo() {
        return Path.of(System.getProperty("jvmm.home", "..")).toAbsolutePath().normalize();
    }

    /** Null when every module's installed jar is the one this build made; else what is wrong. */
    private static String staleArtifacts(Path localRepo) throws IOException {
        for (String m : MODULES) {
            Path built = repo().resolve(m).resolve("target").resolve(m + "-0.1.0-SNAPSHOT.jar");
            Path installed = localRepo
                    .resolve("io/jvmm")
                    .resolve(m)
                    .resolve("0.1.0-SNAPSHOT")
                    .resolve(m + "-0.1.0-SNAPSHOT.jar");
            if (!Files.isRegularFile(built)) return built + " is not built";
            if (!Files.isRegularFile(installed)) return installed + " is not installed";
            if (Files.mismatch(built, installed) != -1) return installed + " is not this build's " + built;
        }
        Path bom = localRepo.resolve("io/jvmm/jvmm-bom/0.1.0-SNAPSHOT/jvmm-bom-0.1.0-SNAPSHOT.pom");
        return Files.isRegularFile(bom) ? null : bom + " is not installed";
    }

    /** busybox with a web server's applets, a page, and a config that serves it on 8080. */
    private static OciTestImage.Built webImage(byte[] busybox) throws IOException {
        OciTestImage.Layer base = new OciTestImage.Layer().dir("bin").file("bin/busybox", busybox, 0755, 0, 0);
        for (String applet : List.of("sh", "httpd", "echo", "test", "touch", "cat")) {
            base.symlink("bin/" + applet, "busybox");
        }
        base.dir("tmp", 01777, 0, 0).dir("www").file("www/index.html", "hello from the image\n");
        return OciTestImage.build(
                List.of(base),
                OciTestImage.config(
                        null,
                        List.of("httpd", "-f", "-p", "8080", "-h", "/www"),
                        List.of("PATH=/bin", "GREETING=from the image"),
                        "/",
                        null,
                        List.of("8080/tcp")));
    }

    @Test
    void theConsumerProjectPassesAgainstTheInstalledArtifacts() throws Exception {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
        assumeTrue(LocalRegistry.missingTools() == null, () -> "skipped: " + LocalRegistry.missingTools());
        byte[] busybox = OciTestImage.busybox();
        assumeTrue(busybox != null, "skipped: /bin/busybox is missing (apt-get install busybox-static)");
        assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/passt")),
                "skipped: passt is not installed (apt-get install passt)");
        String local = System.getProperty("jvmm.local.repo");
        assumeTrue(local != null, "skipped: jvmm.local.repo is not set (run through Maven)");
        String stale = staleArtifacts(Path.of(local));
        assumeTrue(
                stale == null,
                () -> "skipped: " + stale + "; ./test.sh installs the artifacts (mvn install) before this test");

        Path layout = OciTestImage.ociLayout(work.resolve("layout"), webImage(busybox), "1");
        Path kernelDir = DefaultKernel.fromSystem().resolve().kernel().getParent();
        try (LocalRegistry registry = LocalRegistry.start(Files.createDirectories(work.resolve("registry")))) {
            registry.push(layout, "1", "consumer/web:1");
            Path project = repo().resolve("examples/junit-consumer");
            Path log = work.resolve("consumer.log");
            List<String> cmd = new ArrayList<>(List.of(
                    "mvn",
                    "-B",
                    "-ntp",
                    "-o",
                    "-f",
                    project.resolve("pom.xml").toString(),
                    "-Dmaven.repo.local=" + local,
                    "-Dconsumer.image=" + registry.host() + "/consumer/web:1",
                    "clean",
                    "test"));
            ProcessBuilder pb =
                    new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.environment()
                    .put(
                            "JVMM_HOME",
                            Files.createDirectories(work.resolve("home")).toString());
            pb.environment().put("JVMM_KERNEL_DIR", kernelDir.toString());
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            Process p = pb.start();
            boolean done = p.waitFor(20, TimeUnit.MINUTES);
            if (!done) p.destroyForcibly();
            String out = Files.readString(log);
            assertTrue(done, "the consumer's build did not end within 20 minutes:\n" + out);
            assertEquals(0, p.exitValue(), "the consumer's build failed:\n" + out);
            String report =
                    Files.readString(project.resolve("target/surefire-reports/TEST-com.example.WebAppTest.xml"));
            assertTrue(
                    report.contains("tests=\"3\"")
                            && report.contains("failures=\"0\"")
                            && report.contains("errors=\"0\"")
                            && report.contains("skipped=\"0\""),
                    report.lines().limit(3).toList().toString());
        }
    }
}
