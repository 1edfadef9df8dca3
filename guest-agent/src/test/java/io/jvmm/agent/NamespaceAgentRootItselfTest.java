package io.jvmm.agent;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code overlay no}: the agent makes its root directory itself {@code /}, read-write, so what the
 * workload writes lands in the directory (what a virtio-fs root does in a VM). Needs root and unshare.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NamespaceAgentRootItselfTest {
    @Test
    void writesLandInTheRootDirectoryAndPoweroffLeavesItWritable() throws Exception {
        var reason = NamespaceAgent.unavailableReason();
        Assumptions.assumeTrue(reason.isEmpty(), () -> reason.orElse(""));
        try (NamespaceAgent agent = NamespaceAgent.start("rootitself", true)) {
            ExecResult r = agent.client.run(
                    "sh", "-c", "echo written > /newfile && mkdir -p /opt/x && rm /bin/vi && head -1 /proc/mounts");
            assertEquals(0, r.exitCode(), r + " stderr=" + r.stderrText());
            assertFalse(r.stdoutText().startsWith("overlay / overlay"), r.stdoutText());
            assertEquals("written\n", Files.readString(agent.root.resolve("newfile")));
            assertTrue(Files.isDirectory(agent.root.resolve("opt/x")));
            assertFalse(Files.exists(agent.root.resolve("bin/vi")));
            String mounts = agent.client.run("cat", "/proc/mounts").stdoutText();
            assertTrue(mounts.contains(" /proc proc"), mounts);
            assertTrue(mounts.contains(" /tmp tmpfs"), mounts);

            // At power-off the agent makes "/" read-only: only that mount, never the host's file system under it.
            agent.client.poweroff(Duration.ofMillis(200));
            assertTrue(agent.process.waitFor(5, TimeUnit.SECONDS), "unshare still running after POWEROFF");
            Path after = agent.root.resolve("after-poweroff");
            Files.writeString(after, "still writable\n");
            assertEquals("still writable\n", Files.readString(after));
        }
    }
}
