package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvmm.kvm.Kvm;
import io.jvmm.runtime.EntryPoint;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.StateJson;
import io.jvmm.runtime.state.VmStore;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pod from the command line, as podman users drive one: {@code pod create} with a bind, two containers
 * added with {@code run --pod} (a directory root in the bind, and a root image file), sharing localhost;
 * exec, logs, ps, wait and {@code pod status|inspect}; stdin with {@code run -i} and {@code attach}; then
 * {@code pod rm -f} leaves no process, state record or socket. One boot.
 */
@Tag("linux")
class PodCliTest {
    @TempDir
    static Path home;

    private static VmStore store;
    private final CliRun cli = new CliRun();

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
        store = VmProcessHome.open(home);
    }

    @AfterAll
    static void tearDown() {
        VmProcessHome.close(store);
    }

    private String ok(String... args) {
        int status = cli.run(args);
        assertEquals(0, status, () -> String.join(" ", args) + ": " + cli.out() + cli.err());
        return cli.out();
    }

    /** Input that types {@code text}, then Ctrl+] once the output shows {@code seen}. */
    private InputStream typeThenDetach(String text, String seen) {
        return new InputStream() {
            private int step;

            @Override
            public int read() {
                throw new UnsupportedOperationException("read in chunks, as the console does");
            }

            @Override
            public int read(byte[] b, int off, int len) {
                switch (step++) {
                    case 0 -> {
                        byte[] t = text.getBytes(StandardCharsets.UTF_8);
                        System.arraycopy(t, 0, b, off, t.length);
                        return t.length;
                    }
                    case 1 -> {
                        for (int i = 0; i < 600 && !cli.out().contains(seen); i++) sleep(100);
                        b[off] = AttachCommand.DETACH_KEY;
                        return 1;
                    }
                    default -> {
                        return -1;
                    }
                }
            }
        };
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void aPodOfTwoContainersFromTheCommandLine() throws Exception {
        Path roots = Files.createDirectories(home.resolve("roots"));
        Path web = VmProcessHome.busyboxTree(roots.resolve("web"));
        Files.writeString(web.resolve("marker"), "web\n");
        Path conf = Files.createDirectories(roots.resolve("conf"));
        Files.writeString(conf.resolve("setting"), "setting-1\n");
        Path shared = Files.createDirectories(roots.resolve("shared"));
        String podId = ok("pod", "create", "--name", "tp", "-v", roots + ":/srv", "--label", "team=x")
                .strip();
        assertTrue(ok("pod", "ls").contains("tp     created"), cli.out());

        // A plain PID 1 (no handler for SIGTERM) after serving one connection.
        String webId = ok(
                        "run",
                        "--pod",
                        "tp",
                        "-d",
                        "--name",
                        "web",
                        "--rootfs",
                        web.toString(),
                        "sh",
                        "-c",
                        "echo started; nc -l -p 7000 -e echo served-by-web; exec sleep 100000")
                .strip();
        assertEquals(64, webId.length(), webId);

        // Another root (the busybox image file), the same localhost, its own mounts of the pod's bind
        // (one read-only); its status is run's.
        int client = cli.run(
                "run",
                "--pod",
                "tp",
                "--name",
                "client",
                "-v",
                conf + ":/etc/app:ro",
                "-v",
                shared + ":/shared",
                VmProcessHome.busyboxRoot().toString(),
                "sh",
                "-c",
                "cat /etc/app/setting; touch /etc/app/x 2>/dev/null || echo read-only; echo from-client > /shared/out;"
                        + " for i in $(seq 60); do nc 127.0.0.1 7000 </dev/null && exit 4; sleep 1; done; exit 1");
        assertEquals(4, client, cli.err());
        assertEquals("setting-1\nread-only\nserved-by-web\n", cli.out());
        assertEquals("from-client\n", Files.readString(shared.resolve("out")), "written through the pod's bind");

        // Its own files and mounts; exec's status comes back.
        assertEquals(
                7,
                cli.run(
                        "exec",
                        "web",
                        "sh",
                        "-c",
                        "cat /marker; [ -e /srv ] && echo sees-pod || echo isolated; exit 7"));
        assertEquals("web\nisolated\n", cli.out());
        assertEquals("started\n", ok("logs", "web"));
        Path file = Files.writeString(home.resolve("note.txt"), "copied in\n");
        ok("cp", file.toString(), "web:/note.txt");
        assertEquals("copied in\n", ok("exec", "web", "cat", "/note.txt"));
        assertEquals("web\n", ok("cp", "web:/marker", "-"));
        assertFalse(Files.exists(web.resolve("note.txt")), "the copy lands in the container's overlay");

        // update: new limits reach the running container's cgroup at once (its execs join it); the pod's VM
        // does not grow, so a memory limit above it is refused.
        assertEquals("web\n", ok("update", "--pids-limit", "4", "web"));
        // the shell's fork fails, and a shell ends on that error
        assertEquals(2, cli.run("exec", "web", "sh", "-c", "for i in 1 2 3 4 5 6; do sleep 20 & done"));
        assertTrue(cli.err().contains("can't fork"), cli.out() + cli.err());
        assertEquals("web\n", ok("update", "--pids-limit", "-1", "web"));
        assertEquals("7\n", ok("exec", "web", "sh", "-c", "for i in 1 2 3 4 5 6 7; do true & done; wait; echo 7"));
        assertEquals("web\n", ok("update", "-m", "64m", "web"));
        List<String> stats = ok("stats", "--no-stream", "web").lines().toList();
        assertEquals(2, stats.size(), cli.out());
        assertTrue(
                stats.get(1).matches(".*\\bweb +\\d+\\.\\d\\d% +[\\d.]+[KMG]?i?B / 64MiB +\\d+\\.\\d\\d%"),
                stats.get(1));
        JsonNode webInspect = StateJson.mapper().readTree(ok("inspect", "web")).get(0);
        assertEquals(webId, webInspect.get("Id").asText());
        assertEquals(podId, webInspect.get("Pod").asText());
        assertEquals("running", webInspect.get("State").get("Status").asText());
        assertEquals(64L << 20, webInspect.get("HostConfig").get("Memory").asLong());
        assertEquals(0, webInspect.get("HostConfig").get("PidsLimit").asLong(), "lifted");
        assertEquals("sh", webInspect.get("Path").asText());
        assertEquals(1, cli.run("update", "--memory", "1g", "web"));
        assertTrue(cli.err().contains("is more than its pod's"), cli.err());
        assertEquals(1, cli.run("update", "--disk-limit", "bw=1m", "web"));
        assertTrue(cli.err().contains("belong to its pod's VM"), cli.err());
        assertEquals("4\n", ok("wait", "client"));

        // A paused pod is listed from its records (its agent cannot answer) and refuses what needs its guest.
        ok("pause", "tp");
        assertTrue(ok("ps").lines().anyMatch(l -> l.contains("web") && l.contains("(Paused)")), cli.out());
        assertTrue(ok("ps", "--filter", "status=paused").lines().anyMatch(l -> l.contains(" web ")), cli.out());
        assertFalse(
                ok("ps", "--filter", "status=running").lines().anyMatch(l -> l.contains(" web ")),
                "paused, not running: " + cli.out());
        assertTrue(ok("pod", "ls").lines().anyMatch(l -> l.contains("tp") && l.contains("paused")), cli.out());
        assertEquals(
                "paused",
                StateJson.mapper()
                        .readTree(ok("inspect", "web"))
                        .get(0)
                        .get("State")
                        .get("Status")
                        .asText());
        assertNotEquals(0, cli.run("exec", "web", "true"));
        assertTrue(cli.err().contains("pod tp is paused; unpause it first"), cli.err());
        ok("unpause", "tp");
        assertEquals("up\n", ok("exec", "web", "echo", "up"));
        // top of a container: its own processes only, not the agent's nor its monitor: its init, and the
        // zombies of the sleeps that the pids-limit exec left behind (orphans go to the container's init,
        // a sleep that never reaps them)
        List<String> top = ok("top", "web").lines().toList();
        assertTrue(top.get(0).startsWith("UID"), cli.out());
        assertTrue(top.get(1).endsWith(" sleep 100000"), cli.out());
        assertTrue(top.stream().skip(2).allMatch(l -> l.endsWith(" [sleep]")), cli.out());

        // -i: our input is the init's stdin, ended at our end of input; its output and status are run's.
        assertEquals(
                5,
                cli.withInput(
                        "one\ntwo\n",
                        "run",
                        "--pod",
                        "tp",
                        "-i",
                        "--rm",
                        "--rootfs",
                        web.toString(),
                        "sh",
                        "-c",
                        "while read x; do echo \"[$x]\"; done; echo eof; exit 5"),
                cli.err());
        assertEquals("[one]\n[two]\neof\n", cli.out());

        // attach: what we type reaches a detached container's stdin, its output from now on comes here, and
        // Ctrl+] detaches, leaving it running; an attach that sees it exit ends with its status.
        ok(
                "run",
                "--pod",
                "tp",
                "-d",
                "-i",
                "--name",
                "echoer",
                "--rootfs",
                web.toString(),
                "sh",
                "-c",
                "echo before; while read x; do [ \"$x\" = quit ] && exit 3; echo \"[$x]\"; done");
        assertEquals(0, cli.withInput(typeThenDetach("a\n", "[a]\n"), "attach", "echoer"), cli.err());
        assertEquals("[a]\n", cli.out(), "only what came after the attach");
        assertTrue(ok("ps").lines().anyMatch(l -> l.contains("echoer") && l.contains("Up")), cli.out());
        assertEquals(3, cli.withInput("b\nquit\n", "attach", "echoer"), cli.err());
        assertEquals("[b]\n", cli.out());
        ok("rm", "echoer");

        // -d --rm: a reaper of its own removes the container once it has exited.
        String briefId = ok(
                        "run",
                        "--pod",
                        "tp",
                        "-d",
                        "--rm",
                        "--name",
                        "brief",
                        "--rootfs",
                        web.toString(),
                        "sh",
                        "-c",
                        "sleep 1; exit 3")
                .strip();
        assertEquals(64, briefId.length(), briefId);
        for (int i = 0; i < 1200 && ok("ps", "-a").contains("brief"); i++) sleep(100);
        assertFalse(ok("ps", "-a").contains("brief"), "removed once exited: " + cli.out());
        for (int i = 0;
                i < 100
                        && !ProcessInfo.withArguments("__container-reaper", briefId)
                                .isEmpty();
                i++) sleep(100);
        assertTrue(ProcessInfo.withArguments("__container-reaper", briefId).isEmpty(), "the reaper ended");
        assertFalse(
                Files.exists(StateDirs.fromEnvironment().podContainersDir(podId).resolve("brief.reaper.log")));

        String ps = ok("ps", "-a");
        assertTrue(ps.lines().anyMatch(l -> l.contains("web") && l.contains("Up") && l.endsWith("tp")), ps);
        assertTrue(ps.lines().anyMatch(l -> l.contains("client") && l.contains("Exited (4)")), ps);
        assertFalse(ps.lines().anyMatch(l -> l.contains("share")), "the pod's own VM is not a row: " + ps);

        String status = ok("pod", "status", "tp");
        assertTrue(status.contains(podId + "   running   jvmm-kvm"), status);
        assertTrue(
                status.lines().anyMatch(l -> l.contains("client") && l.contains("exited") && l.endsWith("4")), status);
        JsonNode inspect =
                StateJson.mapper().readTree(ok("pod", "inspect", "tp")).get(0);
        assertEquals("x", inspect.get("Labels").get("team").asText());
        assertEquals(2, inspect.get("Containers").size());
        assertEquals("/srv", inspect.get("Mounts").get(0).get("Destination").asText());

        // A container stops on its own: its init has no handler for SIGTERM, so SIGKILL after the grace.
        assertEquals("web\n", ok("stop", "-t", "1", "web"));
        assertEquals("137\n", ok("wait", "web"));
        assertTrue(ok("pod", "status", "tp").contains(podId + "   running"), cli.out());

        // A name removed can be used again, its root image placed anew in the running pod's share.
        ok("rm", "client");
        assertEquals(
                "again\n",
                ok(
                        "run",
                        "--pod",
                        "tp",
                        "--rm",
                        "--name",
                        "client",
                        VmProcessHome.busyboxRoot().toString(),
                        "echo",
                        "again"));

        // A running pod needs -f; then nothing is left.
        assertEquals(1, cli.run("pod", "rm", "tp"));
        assertTrue(cli.err().contains("pod tp is running"), cli.err());
        ProcessInfo.Id vmProcess = new ProcessInfo.Id(
                store.get(podId).state().pid(), store.get(podId).state().pidStartTime());
        ok("pod", "rm", "-f", "tp");
        // Dead, if perhaps not yet reaped: it was this JVM's child, reaped by a thread of its own.
        assertFalse(ProcessInfo.isAlive(vmProcess), "the VM process still runs");
        assertTrue(ProcessInfo.withArguments(EntryPoint.VM_PROCESS, podId).isEmpty());
        StateDirs dirs = StateDirs.fromEnvironment();
        assertFalse(Files.exists(dirs.vmDataDir(podId)));
        assertFalse(Files.exists(dirs.vmRunDir(podId)), "the control socket's directory is left");
        assertEquals("", ok("ps", "-a", "-q"));
        assertEquals(1, cli.run("logs", "web"));
        assertFalse(Files.readString(Path.of("/proc/mounts")).contains(podId));
        assertEquals("web\n", Files.readString(web.resolve("marker")), "the bound root is the user's, and kept");
    }
}
