package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.agent.ContainerMount;
import io.jvmm.runtime.pod.Pods;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmStore;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvmm pod} and {@code run --pod} refuse bad input in one line before anything is recorded or booted. */
class PodErrorsCliTest {
    @TempDir
    Path home;

    private final CliRun cli = new CliRun();

    @BeforeEach
    void setUp() {
        System.setProperty(StateDirs.HOME_PROPERTY, home.toString());
    }

    @AfterEach
    void tearDown() {
        System.clearProperty(StateDirs.HOME_PROPERTY);
    }

    private void refused(int status, String message, String... args) {
        assertEquals(status, cli.run(args), String.join(" ", args) + ": " + cli.err());
        assertEquals(1, cli.err().lines().count(), cli.err());
        assertTrue(cli.err().startsWith("jvmm: "), cli.err());
        assertTrue(cli.err().contains(message), "expected \"" + message + "\" in " + cli.err());
        assertTrue(new VmStore(StateDirs.fromEnvironment()).list().isEmpty(), "something was recorded");
    }

    @Test
    void whatBelongsToThePodsVmIsRefusedWithRunPod() {
        refused(
                125,
                "-p/-P belong(s) to the pod's VM: give it to 'jvmm pod create'",
                "run",
                "--pod",
                "p",
                "-p",
                "80:80",
                "img",
                "true");
        refused(
                125,
                "--cpus, --memory belong(s) to the pod's VM",
                "run",
                "--pod",
                "p",
                "--cpus",
                "2",
                "-m",
                "512",
                "img",
                "true");
        refused(
                125,
                "create --pod --rm: nothing would remove the container",
                "create",
                "--pod",
                "p",
                "--rm",
                "img",
                "true");
    }

    @Test
    void aContainersMountsComeFromWhatItsPodHas() throws Exception {
        assumeTrue(
                System.getenv("JVMM_KERNEL_DIR") != null,
                "skipped: a pod records its kernel; JVMM_KERNEL_DIR is not set");
        Path roots = Files.createDirectories(home.resolve("roots"));
        Files.createDirectories(roots.resolve("c1"));
        Files.createDirectories(roots.resolve("conf"));
        Path elsewhere = Files.createDirectories(home.resolve("elsewhere"));
        assertEquals(0, cli.run("pod", "create", "--name", "pv", "-v", roots + ":/srv"), cli.err());

        assertEquals(125, cli.run("create", "--pod", "pv", "-v", elsewhere + ":/x", "--rootfs", roots + "/c1", "true"));
        assertEquals(
                "jvmm: bind source " + elsewhere + " is not inside a directory bound into pod pv; bind it (or a"
                        + " directory above it) when the pod is created\n",
                cli.err());
        assertEquals(125, cli.run("create", "--pod", "pv", "-v", "data:/x", "--rootfs", roots + "/c1", "true"));
        assertEquals("jvmm: no such volume: data (create it with 'jvmm volume create data')\n", cli.err());

        assertEquals(
                0,
                cli.run(
                        "create",
                        "--pod",
                        "pv",
                        "--name",
                        "c1",
                        "-v",
                        roots + "/conf:/etc/app:ro",
                        "--rootfs",
                        roots + "/c1",
                        "true"),
                cli.err());
        Pods pods = Jvmm.engine().pods(new PrintStream(OutputStream.nullOutputStream()));
        assertEquals(
                List.of(ContainerMount.bind("/srv/conf", "/etc/app", true)),
                pods.get("pv").container("c1").record().mounts(),
                "the host directory, where the pod sees it");
        assertEquals(1, cli.run("attach", "c1"));
        assertEquals("jvmm: container c1 is not running\n", cli.err());
    }

    @Test
    void unknownPodsAndContainersAreNamed() {
        refused(125, "no such pod: nope", "run", "--pod", "nope", "img", "true");
        refused(1, "no such pod: nope", "create", "--pod", "nope", "img", "true");
        refused(1, "no such pod: nope", "pod", "status", "nope");
        refused(1, "no such pod: nope", "pod", "rm", "nope");
        refused(1, "no such VM: nope", "logs", "nope");
        refused(1, "no such VM: nope", "attach", "nope");
    }

    @Test
    void badPodOptionsAreUsageErrors() {
        refused(125, "-p 99999:80", "pod", "create", "-p", "99999:80");
        refused(125, "--hostname -bad", "pod", "create", "--hostname", "-bad");
        refused(125, "must be at least 64 MiB", "pod", "create", "-m", "16");
        refused(125, "vCPUs must be 1..64", "pod", "create", "--cpus", "0");
        assertEquals(125, cli.run("pod"));
        assertEquals(0, cli.run("pod", "ls"));
        assertEquals("POD ID   NAME   STATUS   CREATED   # OF CONTAINERS\n", cli.out());
    }
}
