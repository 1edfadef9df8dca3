package io.jvmm.junit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.agent.ExecResult;
import io.jvmm.kvm.Kvm;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.io.TempDir;

/**
 * The extension against real guests: one busybox VM boots for the class, serves HTTP, is snapshotted
 * when ready, and every test gets its own restored copy (so what one test writes the next never sees).
 */
@Tag("linux")
@JvmmTest
@EnabledIf("kvmAndPasst")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JvmmSandboxLinuxTest {
    @Vm(restorePerTest = true)
    static JvmmSandbox web = JvmmSandbox.fromRootfs(home().resolve("guest-rootfs/target/rootfs.ext4"))
            .withCommand(
                    "sh",
                    "-c",
                    "mkdir -p /www && echo hello > /www/index.html && echo serving"
                            + " && exec httpd -f -p 8080 -h /www")
            .withEnv("GREETING", "hi")
            .withExposedPorts(8080)
            .waitingFor(Wait.forHttp("/index.html"));

    @TempDir
    Path dir;

    static boolean kvmAndPasst() {
        if (!Kvm.isAvailable()) {
            System.out.println("skipped: " + Kvm.unavailabilityCause());
            return false;
        }
        boolean passt = Files.isExecutable(Path.of("/usr/bin/passt")) || Files.isExecutable(Path.of("/usr/sbin/passt"));
        if (!passt) System.out.println("skipped: passt is not installed (Debian: apt-get install passt)");
        return passt;
    }

    static Path home() {
        return Path.of(System.getProperty("jvmm.home", ".."));
    }

    @Test
    @Order(1)
    void aTestWritesAFile() throws Exception {
        assertEquals(0, web.execInContainer("sh", "-c", "echo one > /tmp/leak").exitCode());
        assertEquals(0, web.execInContainer("test", "-e", "/tmp/leak").exitCode());
    }

    @Test
    @Order(2)
    void theNextTestsCopyDoesNotHaveIt() throws Exception {
        assertEquals(1, web.execInContainer("test", "-e", "/tmp/leak").exitCode());
    }

    @Test
    @Order(3)
    void theServerAnswersOnTheMappedPortAndTheWaitStrategiesSeeIt() throws Exception {
        HttpResponse<String> r;
        try (HttpClient client = HttpClient.newHttpClient()) {
            r = client.send(
                    HttpRequest.newBuilder(URI.create(
                                    "http://" + web.getHost() + ":" + web.getMappedPort(8080) + "/index.html"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
        }
        assertEquals(200, r.statusCode());
        assertEquals("hello\n", r.body());
        Wait.forListeningPort().waitUntilReady(web, Duration.ofSeconds(30));
        Wait.forSuccessfulCommand("test", "-d", "/www").waitUntilReady(web, Duration.ofSeconds(30));
        Wait.forLogMessage("serving", 1).waitUntilReady(web, Duration.ofSeconds(30));
        assertTrue(web.getLogs().contains("serving"), web.getLogs());
    }

    @Test
    @Order(4)
    void aStrategyThatIsNeverSatisfiedTimesOutSayingWhatItWaitedFor() {
        JvmmSandboxException log = assertThrows(
                JvmmSandboxException.class,
                () -> Wait.forLogMessage("never printed", 1)
                        .withStartupTimeout(Duration.ofMillis(500))
                        .waitUntilReady(web, Duration.ofSeconds(30)));
        assertTrue(
                log.getMessage().contains("not ready after 500 ms: waited for 1 log line(s) matching never printed"),
                log.getMessage());
        JvmmSandboxException cmd = assertThrows(
                JvmmSandboxException.class,
                () -> Wait.forSuccessfulCommand("false").waitUntilReady(web, Duration.ofMillis(500)));
        assertTrue(cmd.getMessage().contains("[false] to succeed (last: exit 1)"), cmd.getMessage());
        JvmmSandboxException http = assertThrows(
                JvmmSandboxException.class, () -> Wait.forHttp("/missing").waitUntilReady(web, Duration.ofMillis(500)));
        // What the last try saw depends on how fast the guest answers within the window: a 404 or a timeout.
        assertTrue(http.getMessage().contains("/missing to answer 200 (last: "), http.getMessage());
    }

    @Test
    @Order(5)
    void execGivesOutputExitCodeAndTheSandboxEnvironment() throws Exception {
        ExecResult r = web.execInContainer("sh", "-c", "echo $GREETING; echo err >&2; exit 3");
        assertEquals(3, r.exitCode());
        assertEquals("hi\n", r.stdoutText());
        assertEquals("err\n", r.stderrText());
        assertEquals(127, web.execInContainer("no-such-command").exitCode());
    }

    @Test
    @Order(6)
    void filesCopyBothWays() throws Exception {
        Path in = Files.writeString(dir.resolve("in.txt"), "from the host\n");
        web.copyFileToContainer(in, "/tmp/in.txt");
        assertEquals(
                "from the host\n", web.execInContainer("cat", "/tmp/in.txt").stdoutText());
        web.execInContainer("sh", "-c", "echo from the guest > /tmp/out.txt");
        Path out = dir.resolve("out.txt");
        web.copyFileFromContainer("/tmp/out.txt", out);
        assertEquals("from the guest\n", Files.readString(out));
    }

    @Test
    @Order(7)
    void pauseFreezesAndUnpauseResumes() throws Exception {
        web.pause();
        web.unpause();
        assertEquals(0, web.execInContainer("true").exitCode());
    }

    @Test
    @Order(8)
    void aCopyThatDiesMidTestIsNotRunningAnyMore() throws Exception {
        try {
            web.execInContainer("reboot", "-f");
        } catch (IOException expected) {
            // The VM may end before the agent reports the exit.
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (web.isRunning() && System.nanoTime() < deadline) Thread.sleep(50);
        assertFalse(web.isRunning());
        assertThrows(IOException.class, () -> web.execInContainer("true"));
    }

    @Test
    @Order(9)
    void theCopyAfterADeadOneIsFresh() throws Exception {
        assertTrue(web.isRunning());
        assertNotEquals(0, web.getMappedPort(8080));
        assertEquals(0, web.execInContainer("true").exitCode());
    }
}
