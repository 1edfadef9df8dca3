package io.jvmm.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.agent.AgentClient;
import io.jvmm.agent.ContainerLimits;
import io.jvmm.agent.ContainerRoot;
import io.jvmm.agent.ContainerSpec;
import io.jvmm.agent.ContainerStatus;
import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecResult;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pod: several containers in one VM, their roots two directories of a virtio-fs share. Each sees
 * only its own files and processes, they share localhost, exec joins them, exit codes come back,
 * stopping one leaves the others running, a memory limit ends in an OOM kill (137), and deleting
 * them leaves no mount, cgroup or state in the guest.
 */
@Tag("linux")
@Timeout(value = 1200, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class SandboxPodLinuxTest {
    @TempDir
    Path dir;

    /** A root with the host's static busybox and its applets as relative links, and a /marker. */
    private static void busyboxRoot(Path root, String marker) throws Exception {
        Path busybox = Path.of("/bin/busybox");
        Files.createDirectories(root.resolve("bin"));
        Files.copy(busybox, root.resolve("bin/busybox"), StandardCopyOption.COPY_ATTRIBUTES);
        for (String applet : List.of("sh", "cat", "echo", "ps", "sleep", "nc", "tail", "hostname", "grep", "seq", "ls"))
            Files.createSymbolicLink(root.resolve("bin").resolve(applet), Path.of("busybox"));
        Files.writeString(root.resolve("marker"), marker + "\n");
    }

    private static String execIn(AgentClient agent, String id, String script) throws Exception {
        ExecResult r = agent.run(ExecRequest.of("sh", "-c", script).inContainer(id), null);
        assertEquals(0, r.exitCode(), () -> id + ": " + script + ": " + r + " " + r.stderrText());
        return r.stdoutText();
    }

    private static ContainerSpec.Builder container(String id, String root, String script) {
        return ContainerSpec.builder(id, ContainerRoot.directory("/pods/" + root))
                .command("sh", "-c", script);
    }

    @Test
    void twoContainersInOneVm() throws Exception {
        TestImages.requireKvm();
        Path busybox = Path.of("/bin/busybox");
        assumeTrue(Files.isExecutable(busybox), "skipped: no /bin/busybox (apt-get install busybox-static)");
        Path share = Files.createDirectory(dir.resolve("pods"));
        busyboxRoot(share.resolve("a"), "a");
        busyboxRoot(share.resolve("b"), "b");
        // In a file, so that a run that hangs can be diagnosed.
        Path consoleLog = Path.of("target/SandboxPodLinuxTest-console.log");
        Files.createDirectories(consoleLog.getParent());
        OutputStream console = Files.newOutputStream(consoleLog);
        SandboxConfig config = SandboxConfig.builder()
                .name("pod")
                .kernel(TestImages.kernel())
                .rootfs(TestImages.rootfs())
                .bind(share, "/pods", false)
                .console(console)
                .memoryMib(256)
                .build();
        try (console;
                Sandbox s = Sandbox.start(config)) {
            AgentClient agent = s.agent();
            assertTrue(s.hello().supportsContainers());
            // One child, no polling: every fork counts in an emulated guest kernel. A trapped TERM ends the wait.
            String loop = "trap 'exit 0' TERM; sleep 100000 & wait";
            agent.createContainer(container("a", "a", loop).build());
            agent.createContainer(
                    container("b", "b", "nc -l -p 7000 -e echo served-by-b").build());
            agent.createContainer(container("c", "b", loop).build());
            for (String id : List.of("a", "b", "c")) agent.startContainer(id);

            // Shared localhost: a connects to b's listener.
            String got = execIn(
                    agent, "a", "for i in $(seq 30); do nc 127.0.0.1 7000 </dev/null && exit 0; sleep 1; done; exit 1");
            assertEquals("served-by-b\n", got);
            assertEquals(0, agent.awaitContainer("b").exitCode());

            // Own files, hostname and processes.
            assertEquals("a\n", execIn(agent, "a", "cat /marker; echo changed > /marker"));
            assertEquals("changed\n", execIn(agent, "a", "cat /marker"));
            assertEquals("b\n", execIn(agent, "c", "cat /marker"));
            assertEquals("c\n", execIn(agent, "c", "hostname"));
            assertEquals("no\n", execIn(agent, "a", "[ -e /pods ] && echo yes || echo no"));
            String psA = execIn(agent, "a", "ps -o pid,args");
            assertTrue(psA.contains("1 sh -c trap") && !psA.contains("nc -l"), psA);
            ExecResult failing = agent.run(ExecRequest.of("sh", "-c", "exit 7").inContainer("c"), null);
            assertEquals(7, failing.exitCode());

            // Stopping one leaves the other running.
            agent.signalContainer("a", 15);
            assertEquals(0, agent.awaitContainer("a").exitCode());
            assertEquals(
                    ContainerStatus.State.RUNNING, agent.containerStatus("c").state());
            assertEquals("b\n", execIn(agent, "c", "cat /marker"));

            // A memory limit: the container is OOM-killed, as a whole. dd's one 64 MiB buffer, filled by one
            // read, costs the fewest guest-kernel instructions on the way to the limit (each page is faulted
            // in and zeroed by emulated kernel code here: the limit is kept small).
            agent.createContainer(container("m", "a", "dd if=/dev/zero of=/dev/null bs=64M count=1")
                    .limits(ContainerLimits.NONE
                            .withMemory(8 << 20)
                            .withCpus(0.5)
                            .withPids(64))
                    .build());
            ExecResult cg = s.exec("cat", "/sys/fs/cgroup/jvmm/m/memory.max", "/sys/fs/cgroup/jvmm/m/cpu.max");
            assertEquals("8388608\n50000 100000\n", cg.stdoutText(), cg.stderrText());
            agent.startContainer("m");
            long oomStart = System.nanoTime();
            ContainerStatus m = agent.awaitContainer("m");
            System.out.println(
                    "SandboxPodLinuxTest: OOM kill after " + (System.nanoTime() - oomStart) / 1_000_000 + " ms");
            assertEquals(137, m.exitCode(), m::toString);
            assertTrue(m.oomKilled(), m::toString);

            ByteArrayOutputStream logs = new ByteArrayOutputStream();
            agent.containerLogs("b", false, logs, OutputStream.nullOutputStream());
            assertEquals("", logs.toString(StandardCharsets.UTF_8));

            for (String id : agent.listContainers()) agent.deleteContainer(id, true);
            assertEquals(List.of(), agent.listContainers());
            ExecResult left = s.exec(
                    "sh",
                    "-c",
                    "grep -c /run/jvmm/containers /proc/mounts; ls /run/jvmm/containers; ls -d /sys/fs/cgroup/jvmm/*/ 2>/dev/null; true");
            assertEquals("0\n", left.stdoutText(), left.stderrText());
        }
        assertEquals("a\n", Files.readString(share.resolve("a/marker")), "writes stay in the container's overlay");
    }
}
