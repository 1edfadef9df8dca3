package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jvmm.kvm.Kvm;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * What docker users type, against real guests (busybox root image, agent as init): commands without
 * {@code --}, {@code --rm} with {@code -d}, docker's exit statuses.
 */
@Tag("linux")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DockerHabitsCliTest {
    @TempDir
    static Path home;

    private static Path rootfs;
    private static VmStore store;
    private final CliRun cli = new CliRun();

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
        store = VmProcessHome.open(home);
        rootfs = VmProcessHome.busyboxRoot();
    }

    @AfterAll
    static void tearDown() {
        VmProcessHome.close(store);
    }

    private int run(String... args) {
        return cli.run(args);
    }

    private String out() {
        return cli.out();
    }

    private String err() {
        return cli.err();
    }

    /** Waits (up to 60 s) for {@code condition}; false when it never held. */
    private static boolean eventually(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(50);
        }
        return true;
    }

    private static void assertOneLine(String err) {
        assertTrue(err.startsWith("jvmm: ") && err.strip().lines().count() == 1, err);
    }

    @Test
    @Order(1)
    void commandsWithoutDashDash() throws Exception {
        // Options stop at the first positional: -c and -l belong to the command, not to run.
        assertEquals(
                0,
                run("run", "-d", "--name", "web", "--rootfs", rootfs.toString(), "sh", "-c", "exec sleep 1000"),
                err());
        assertEquals(0, run("exec", "web", "ls", "-ld", "/"), err());
        assertTrue(out().startsWith("d"), out());
        assertEquals(5, run("exec", "web", "sh", "-c", "exit 5"), "the command's status passes through");
        assertEquals(0, run("exec", "-e", "X=1", "web", "--", "sh", "-c", "echo $X"), err());
        assertEquals("1\n", out(), "VM -- CMD still works");
        assertEquals(127, run("exec", "web", "no-such-program"));
        assertEquals(126, run("exec", "web", "/etc"), "found but not runnable");

        // jvmm's own errors: 125, one line.
        assertEquals(125, run("exec", "web"));
        assertOneLine(err());
        assertEquals(125, run("exec", "web", "--"));
        assertOneLine(err());
        assertEquals(125, run("exec", "nope", "true"));
        assertOneLine(err());
        assertEquals(125, run("run", "--no-such-flag", "--rootfs", rootfs.toString(), "true"));
        assertOneLine(err());

        // A foreground run without "--": its output and status.
        assertEquals(3, run("run", "--rm", "--rootfs", rootfs.toString(), "sh", "-c", "echo hi; exit 3"), err());
        assertEquals("hi\n", out());
        assertEquals(0, run("rm", "-f", "web"), err());
        assertTrue(store.list().isEmpty(), store.list().toString());
    }

    @Test
    @Order(2)
    void rmWithDetachRemovesTheVmWhenItExits() throws Exception {
        // The workload ends by itself once told to: the VM process sees the end and removes the VM.
        assertEquals(
                0,
                run(
                        "run",
                        "-d",
                        "--rm",
                        "--rootfs",
                        rootfs.toString(),
                        "sh",
                        "-c",
                        "while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 3"),
                err());
        String id = out().strip();
        VmRecord r = store.get(id);
        assertTrue(r.autoRemove(), "the record says --rm");
        assertEquals(0, run("exec", id, "touch", "/tmp/go"), err());
        assertTrue(eventually(() -> store.find(id).isEmpty()), "the VM process removed the record");
        StateDirs dirs = StateDirs.fromEnvironment();
        assertEquals(0, run("ps", "-a"));
        assertFalse(out().contains(r.shortId()), out());
        ProcessHandle.of(r.state().pid()).ifPresent(p -> p.onExit().join());
        // Confined, the VM process deletes the files; directories go in the next command's sweep.
        if (Files.exists(dirs.vmDataDir(id))) {
            try (var left = Files.walk(dirs.vmDataDir(id))) {
                List<String> files = left.filter(p -> !Files.isDirectory(p))
                        .map(p -> p.getFileName().toString())
                        .toList();
                assertEquals(List.of(".removed"), files, "only the marker is left");
            }
        }
        new VmStore(dirs).withLock(() -> null);
        assertFalse(Files.exists(dirs.vmDataDir(id)), "data directory left behind");
        assertFalse(Files.exists(dirs.vmRunDir(id)), "runtime directory left behind");
        assertFalse(Files.exists(dirs.vmTempDir(id)), "temporary directory left behind");

        // A VM process killed before it could remove its VM: whoever notices (ps, stop) does.
        assertEquals(0, run("run", "-d", "--rm", "--rootfs", rootfs.toString(), "sleep", "1000"), err());
        String killed = out().strip();
        long pid = store.get(killed).state().pid();
        ProcessHandle.of(pid).ifPresent(p -> {
            p.destroyForcibly();
            p.onExit().join();
        });
        assertEquals(0, run("ps", "-a"), err());
        assertFalse(out().contains(killed.substring(0, 12)), out());
        assertTrue(store.find(killed).isEmpty(), "ps removed the --rm VM whose process died");
        assertFalse(Files.exists(dirs.vmDataDir(killed)));
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The workload's output so far, waiting (up to 60 s) until it contains {@code expected}. */
    private String logsContaining(String vm, String expected) throws Exception {
        String[] logs = {""};
        eventually(() -> {
            assertEquals(0, run("logs", vm), err());
            logs[0] = out();
            return logs[0].contains(expected);
        });
        return logs[0];
    }

    @Test
    @Order(3)
    void createStartInspectAndTheOtherCommands() throws Exception {
        // Bad input: one line, 125, nothing created.
        for (String[] bad :
                List.of(new String[] {"--hostname", "not a name"}, new String[] {"--label", "=x"}, new String[] {
                    "--env-file", home.resolve("missing.env").toString()
                })) {
            List<String> args = new ArrayList<>(List.of("create"));
            args.addAll(List.of(bad));
            args.addAll(List.of("--rootfs", rootfs.toString(), "true"));
            assertEquals(125, run(args.toArray(String[]::new)), String.join(" ", bad));
            assertOneLine(err());
        }
        assertTrue(store.list().isEmpty(), store.list().toString());
        Path envFile = home.resolve("vars.env");
        Files.writeString(envFile, "# a comment\n\nA=from-file\nB=overridden\n");
        int port = freePort();
        assertEquals(
                0,
                run(
                        "create",
                        "--name",
                        "c1",
                        "--hostname",
                        "box1",
                        "--label",
                        "app=web",
                        "--label",
                        "tier",
                        "--env-file",
                        envFile.toString(),
                        "-e",
                        "B=from-flag",
                        "-p",
                        port + ":80",
                        "--rootfs",
                        rootfs.toString(),
                        "sh",
                        "-c",
                        "echo $A $B $(hostname); exec sleep 1000"),
                err());
        String id = out().strip();
        assertTrue(VmRecord.isFullId(id), out());
        assertEquals(0, run("ps", "-a"));
        assertTrue(out().lines().anyMatch(l -> l.contains("c1") && l.contains("Created")), out());
        assertEquals(0, run("ps"));
        assertFalse(out().contains("c1"), "created is not running: " + out());

        // inspect: docker's keys, from the record.
        JsonNode created = inspect("c1");
        assertEquals(id, created.get("Id").asText());
        assertEquals("/c1", created.get("Name").asText());
        assertEquals("created", created.at("/State/Status").asText());
        assertFalse(created.at("/State/Running").asBoolean());
        assertEquals("box1", created.at("/Config/Hostname").asText());
        assertEquals("web", created.at("/Config/Labels/app").asText());
        assertEquals("", created.at("/Config/Labels/tier").asText());
        List<String> env = new ArrayList<>();
        created.at("/Config/Env").forEach(e -> env.add(e.asText()));
        assertTrue(env.containsAll(List.of("A=from-file", "B=from-flag")), env.toString());
        assertEquals("sh", created.at("/Config/Cmd/0").asText());
        assertEquals(
                Integer.toString(port),
                created.at("/NetworkSettings/Ports/80~1tcp/0/HostPort").asText());
        assertEquals(256L << 20, created.at("/HostConfig/Memory").asLong());

        // port, in docker's format.
        assertEquals(0, run("port", "c1"), err());
        assertEquals("80/tcp -> 0.0.0.0:" + port + "\n", out());
        assertEquals(0, run("port", "c1", "80"), err());
        assertEquals("0.0.0.0:" + port + "\n", out());
        assertEquals(1, run("port", "c1", "81/udp"));
        assertOneLine(err());

        // ps --filter label=...
        assertEquals(0, run("ps", "-a", "--filter", "label=app=web", "--format", "json"));
        assertTrue(out().contains("\"c1\""), out());
        assertEquals(0, run("ps", "-a", "--filter", "label=app=db"));
        assertFalse(out().contains("c1"), out());
        assertEquals(125, run("ps", "--filter", "colour=red"));
        assertOneLine(err());

        // start: the created VM boots with its record's settings.
        assertEquals(0, run("start", "c1"), err());
        assertEquals("c1\n", out());
        assertEquals("from-file from-flag box1\n", logsContaining("c1", "box1"));
        assertEquals(1, run("start", "c1"));
        assertTrue(err().contains("already running"), err());
        assertEquals("running", inspect("c1").at("/State/Status").asText());

        // top: the guest's processes, the agent's own left out.
        assertEquals(0, run("top", "c1"), err());
        List<String> top = out().lines().toList();
        assertTrue(top.getFirst().matches("UID +PID +PPID +STAT +RSS +TIME +CMD"), top.getFirst());
        assertTrue(top.stream().anyMatch(l -> l.startsWith("root ") && l.endsWith(" sleep 1000")), out());
        assertTrue(top.stream().skip(1).noneMatch(l -> l.split(" +")[1].equals("1")), "PID 1 is the agent: " + out());

        // stats: one table, the VM's row with numbers.
        assertEquals(0, run("stats", "--no-stream", "c1"), err());
        List<String> stats = out().lines().toList();
        assertTrue(stats.getFirst().matches("VM ID +NAME +CPU % +MEM USAGE / LIMIT +MEM %"), stats.getFirst());
        assertEquals(2, stats.size(), out());
        assertTrue(
                stats.get(1)
                        .matches(id.substring(0, 12) + " +c1 +\\d+\\.\\d\\d% +[0-9.]+[KMG]iB / 256MiB +\\d+\\.\\d\\d%"),
                stats.get(1));

        // pause: exec refuses until unpause; the guest goes on after.
        assertEquals(0, run("pause", "c1"), err());
        assertEquals("paused", inspect("c1").at("/State/Status").asText());
        assertEquals(125, run("exec", "c1", "true"));
        assertTrue(err().contains("paused"), err());
        assertEquals(1, run("pause", "c1"));
        assertOneLine(err());
        assertEquals(0, run("unpause", "c1"), err());
        assertEquals(0, run("exec", "c1", "true"), err());

        // restart: a new VM process, the same record; the workload runs again.
        long firstPid = store.get(id).state().pid();
        assertEquals(0, run("restart", "-t", "1", "c1"), err());
        assertTrue(store.get(id).state().pid() != firstPid, "a new VM process");
        assertEquals(
                "from-file from-flag box1\nfrom-file from-flag box1\n",
                logsContaining("c1", "box1\nfrom-file from-flag box1\n"));

        // kill -s TERM: the workload's status, as wait prints it.
        assertEquals(125, run("kill", "-s", "NOPE", "c1"));
        assertOneLine(err());
        assertEquals(0, run("kill", "-s", "TERM", "c1"), err());
        assertEquals(0, run("wait", "c1"), err());
        assertEquals("143\n", out());
        assertEquals("exited", inspect("c1").at("/State/Status").asText());
        assertEquals(143, inspect("c1").at("/State/ExitCode").asInt());
        assertEquals(1, run("kill", "c1"));
        assertTrue(err().contains("not running"), err());
        assertEquals(1, run("wait", "nope"));
        assertOneLine(err());

        // start -a: this process runs the VM, the workload's output and status are start's.
        assertEquals(
                0,
                run("create", "--name", "c2", "--rootfs", rootfs.toString(), "sh", "-c", "echo attached; exit 7"),
                err());
        assertEquals(125, run("start", "-a", "nope"));
        assertOneLine(err());
        assertEquals(1, run("start", "nope"));
        assertOneLine(err());
        assertEquals(7, run("start", "-a", "c2"), err());
        assertEquals("attached\n", out());
        assertEquals(0, run("wait", "c2"), err());
        assertEquals("7\n", out());
        assertEquals(0, run("rm", "c1", "c2"), err());
    }

    private JsonNode inspect(String vm) throws Exception {
        assertEquals(0, run("inspect", vm), err());
        JsonNode all = new ObjectMapper().readTree(out());
        assertEquals(1, all.size(), out());
        return all.get(0);
    }
}
