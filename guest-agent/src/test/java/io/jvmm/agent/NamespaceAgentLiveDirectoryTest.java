package io.jvmm.agent;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.files.FileTrees;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code live}: a directory of the root that the host changes while the agent runs (a pod's container
 * roots) is seen through the root itself, so a name the host removes and makes again shows its new
 * file, which the overlay's cached lower dentry would not.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class NamespaceAgentLiveDirectoryTest {
    private static String run(NamespaceAgent agent, String script) throws Exception {
        ExecResult r = agent.client.run("sh", "-c", script);
        return r.exitCode() + ":" + r.stdoutText() + r.stderrText();
    }

    @Test
    void aNameTheHostMakesAgainShowsItsNewFile() throws Exception {
        var reason = NamespaceAgent.unavailableReason();
        Assumptions.assumeTrue(reason.isEmpty(), () -> reason.orElse(""));
        try (NamespaceAgent agent = NamespaceAgent.start(
                "live",
                root -> {
                    Files.createDirectories(root.resolve("containers/a"));
                    Files.writeString(root.resolve("containers/a/f"), "one\n");
                },
                List.of("/containers"))) {
            Path a = agent.root.resolve("containers/a");
            assertEquals("0:one\n", run(agent, "cat /containers/a/f"));
            FileTrees.delete(a);
            Files.createDirectories(a);
            Files.writeString(a.resolve("f"), "two\n");
            assertEquals("0:two\n", run(agent, "cat /containers/a/f"), "the new directory, not the removed one");
            Files.writeString(agent.root.resolve("containers/b"), "added\n");
            assertEquals("0:added\n", run(agent, "cat /containers/b"));
            String denied = run(agent, "touch /containers/c 2>&1; ls /containers");
            assertTrue(denied.contains("Read-only file system"), denied);
            assertFalse(Files.exists(agent.root.resolve("containers/c")));
            assertEquals(
                    "0:written\n",
                    run(agent, "echo written > /elsewhere && cat /elsewhere"),
                    "the rest is the overlay");
        }
    }
}
