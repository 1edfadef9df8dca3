package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvmm.runtime.EntryPoint;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.StateJson;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jvmm ps} and {@code jvmm rm} through {@link Jvmm#run}, with -Djvmm.state.home pointing at a temp dir. */
class PsRmCommandTest {
    @TempDir
    Path home;

    StateDirs dirs;
    VmStore store;
    private final CliRun cli = new CliRun();
    final List<Process> children = new ArrayList<>();

    @BeforeEach
    void setUp() {
        System.setProperty(StateDirs.HOME_PROPERTY, home.toString());
        dirs = StateDirs.fromEnvironment();
        store = new VmStore(dirs);
    }

    @AfterEach
    void tearDown() {
        System.clearProperty(StateDirs.HOME_PROPERTY);
        for (Process p : children) p.destroyForcibly();
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

    private VmRecord create(String name, List<String> cmd) {
        return store.create(VmRecord.draft("/images/alpine.ext4", cmd)
                .withName(name)
                .withCreated(Instant.now().minusSeconds(300))
                .withPorts(List.of("8080:80", "53:53/udp")));
    }

    private VmRecord running(String name) throws Exception {
        Process p = new ProcessBuilder("sleep", "30").start();
        children.add(p);
        VmRecord r = create(name, List.of("nginx", "-g", "daemon off;"));
        return store.update(
                r.id(),
                x -> x.withState(VmRecord.State.running(
                        p.pid(),
                        ProcessInfo.startTime(p.pid()).orElseThrow(),
                        Instant.now().minusSeconds(3))));
    }

    private VmRecord exited(String name, int code) {
        VmRecord r = create(name, List.of("true"));
        return store.update(
                r.id(),
                x -> x.withState(VmRecord.State.running(1, 1, Instant.now().minusSeconds(200))
                        .exited(Instant.now().minusSeconds(120), code, null)));
    }

    /** A VM whose vm.json was damaged does not vanish while its process runs: ps shows it, rm -f ends it. */
    @Test
    void aBrokenRecordShowsInPsAndRmForceRemovesItAndItsProcess() throws Exception {
        VmRecord ok = running("ok");
        VmRecord r = create("damaged", List.of("sleep", "1000"));
        Process vmProcess = new ProcessBuilder("/bin/sh", "-c", "sleep 1000; :", EntryPoint.VM_PROCESS, r.id()).start();
        children.add(vmProcess);
        Files.writeString(dirs.vmRecordFile(r.id()), "{ not json");

        assertEquals(0, run("ps"));
        String broken =
                out().lines().filter(l -> l.startsWith(r.shortId())).findFirst().orElse("");
        assertTrue(broken.contains("Broken (vm.json cannot be read") && broken.contains("jvmm rm -f"), out());
        assertTrue(out().contains("ok"), "the readable VM is listed as before: " + out());
        assertEquals(0, run("ps", "--format", "json"));
        assertTrue(out().lines().anyMatch(l -> l.contains("\"State\":\"broken\"") && l.contains(r.shortId())), out());

        assertEquals(1, run("rm", r.shortId()));
        assertTrue(err().contains("broken record") && err().contains("jvmm rm -f " + r.shortId()), err());
        assertTrue(vmProcess.isAlive());
        assertEquals(0, run("rm", "-f", r.id().substring(0, 8)), err());
        assertTrue(vmProcess.waitFor(10, TimeUnit.SECONDS), "the VM process was killed");
        assertFalse(Files.exists(dirs.vmDataDir(r.id())));
        assertEquals(0, run("ps", "-a", "-q"));
        assertEquals(ok.shortId() + "\n", out());
    }

    /** A command that crashed half-way leaves .removing-* and .creating-* directories: the next one sweeps them. */
    @Test
    void leftoversOfCrashedCommandsAreSwept() throws Exception {
        create("first", List.of("true"));
        Path removing = Files.createDirectories(dirs.vmsDataDir().resolve(".removing-" + "a".repeat(64) + "-1234"));
        Files.writeString(removing.resolve("vm.json"), "{}");
        Files.createDirectories(dirs.volumesDir());
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        Path abandoned = Files.createDirectories(dirs.volumesDir().resolve(".creating-data-" + gone.pid() + "-1-abc"));
        Path inProgress = Files.createDirectories(dirs.volumesDir().resolve(VmStore.creatingDirName("data")));
        new VmStore(dirs)
                .create(VmRecord.draft("/images/x.ext4", List.of("true")).withName("second"));
        assertFalse(Files.exists(removing), "a removal interrupted half-way is finished");
        assertFalse(Files.exists(abandoned), "a create whose process is gone is swept");
        assertTrue(Files.exists(inProgress), "a create in progress (its process alive) is left alone");
    }

    @Test
    void psShowsRunningOnlyUnlessAll() throws Exception {
        VmRecord web = running("web");
        VmRecord done = exited("done", 0);
        assertEquals(0, run("ps"));
        List<String> lines = out().lines().toList();
        assertEquals(2, lines.size(), out());
        assertTrue(lines.get(0).matches("VM ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES"), lines.get(0));
        String row = lines.get(1);
        assertTrue(
                row.startsWith(
                        web.shortId() + "   alpine.ext4   \"nginx -g 'daemon off…\"   5 minutes ago   Up 3 seconds"),
                row);
        assertTrue(row.contains("0.0.0.0:8080->80/tcp, 0.0.0.0:53->53/udp"), row);
        assertTrue(row.endsWith("web"), row);

        assertEquals(0, run("ps", "-a"));
        assertEquals(3, out().lines().count(), out());
        assertTrue(out().contains("Exited (0) 2 minutes ago"), out());
        assertTrue(out().contains(done.shortId()), out());

        assertEquals(0, run("ps", "-aq"));
        assertEquals(
                List.of(web.shortId(), done.shortId()).stream().sorted().toList(),
                out().lines().sorted().toList());
    }

    @Test
    void psJsonIsOneObjectPerLine() throws Exception {
        VmRecord web = running("web");
        exited("done", 3);
        assertEquals(0, run("ps", "-a", "--format", "json"));
        List<String> lines = out().lines().toList();
        assertEquals(2, lines.size(), out());
        for (String l : lines) {
            JsonNode n = StateJson.mapper().readTree(l);
            assertTrue(n.get("ID").asText().length() == 12);
            if (n.get("Names").asText().equals("web")) {
                assertEquals("running", n.get("State").asText());
                assertEquals(web.id(), n.get("FullID").asText());
            } else {
                assertEquals("exited", n.get("State").asText());
                assertEquals(3, n.get("ExitCode").asInt());
            }
        }
    }

    @Test
    void deadVmShowsExitedNeverRunning() throws Exception {
        VmRecord web = running("web");
        Process p = children.getFirst();
        new ProcessBuilder("kill", "-9", Long.toString(p.pid())).start().waitFor();
        p.waitFor();
        assertEquals(0, run("ps"));
        assertEquals(1, out().lines().count(), "only the header: " + out());
        assertEquals(0, run("ps", "-a"));
        assertTrue(out().contains("Exited (the VM process died)"), out());
        assertEquals(VmStore.DIED, store.get(web.id()).state().error(), "recorded lazily");
    }

    /** Answers every control request of {@code vm}'s socket with {@code OK paused}, as a paused VM process does. */
    private Thread pausedControlSocket(VmRecord vm) throws Exception {
        Path sock = dirs.controlSocket(vm.id());
        Files.createDirectories(sock.getParent());
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        Thread t = Thread.ofPlatform().daemon().start(() -> {
            try (server) {
                while (true) {
                    try (SocketChannel c = server.accept()) {
                        c.read(ByteBuffer.allocate(256));
                        c.write(ByteBuffer.wrap("OK paused\n".getBytes(StandardCharsets.US_ASCII)));
                    }
                }
            } catch (IOException closed) {
                // the test is over
            }
        });
        return t;
    }

    @Test
    void psFiltersByDockersStatusWordsPausedIncluded() throws Exception {
        VmRecord web = running("web");
        VmRecord db = running("db");
        VmRecord done = exited("done", 0);
        Thread control = pausedControlSocket(db);
        try {
            assertEquals(0, run("ps", "-aq", "--filter", "status=exited"));
            assertEquals(List.of(done.shortId()), out().lines().toList());
            assertEquals(0, run("ps", "-q", "--filter", "status=running"));
            assertEquals(List.of(web.shortId()), out().lines().toList(), "a paused VM is not running");
            assertEquals(0, run("ps", "-aq", "--filter", "status=paused"));
            assertEquals(List.of(db.shortId()), out().lines().toList());
            assertEquals(0, run("ps", "--filter", "status=paused", "--filter", "name=we"));
            assertEquals(1, out().lines().count(), "only the header: " + out());
            assertEquals(0, run("ps", "--filter", "status=paused"));
            assertTrue(out().contains("(Paused)"), out());
            assertEquals(0, run("ps", "-aq", "--filter", "status=created"));
            assertEquals("", out());
        } finally {
            control.interrupt();
        }
        assertEquals(125, run("ps", "--filter", "status=sleeping"));
        assertEquals(
                "jvmm: --filter status=sleeping: the status is one of created, restarting, running, removing, "
                        + "paused, exited, dead\n",
                err());
    }

    @Test
    void badFormatIsAUsageError() {
        assertEquals(125, run("ps", "--format", "yaml"));
        assertEquals("jvmm: --format: expected table or json, got \"yaml\"\n", err());
    }

    @Test
    void rmRefusesARunningVmWithoutForce() throws Exception {
        VmRecord web = running("web");
        assertEquals(1, run("rm", "web"));
        assertEquals("jvmm: VM web is running; stop it first or use 'jvmm rm -f'\n", err());
        assertTrue(Files.exists(dirs.vmDataDir(web.id())));
        assertTrue(children.getFirst().isAlive());
    }

    @Test
    void rmForceKillsAndDeletesEverything() throws Exception {
        VmRecord web = running("web");
        Files.writeString(dirs.workloadLog(web.id()), "hello\n");
        Files.writeString(dirs.controlSocket(web.id()), "");
        Process p = children.getFirst();
        assertEquals(0, run("rm", "-f", web.shortId()));
        assertEquals(web.shortId() + "\n", out());
        assertEquals("", err());
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
        assertFalse(Files.exists(dirs.vmDataDir(web.id())));
        assertFalse(Files.exists(dirs.vmRunDir(web.id())));
        assertEquals(List.of(), store.list());
    }

    @Test
    void rmForceKillsTheVmProcessChildren() throws Exception {
        Process p = new ProcessBuilder("sh", "-c", "sleep 30 & wait").start();
        children.add(p);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (ProcessInfo.children(p.pid()).isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);
        List<ProcessInfo.Id> kids = ProcessInfo.children(p.pid());
        assertEquals(1, kids.size());
        VmRecord r = create("web", List.of());
        store.update(
                r.id(),
                x -> x.withState(VmRecord.State.running(
                        p.pid(), ProcessInfo.startTime(p.pid()).orElseThrow(), Instant.now())));
        assertEquals(0, run("rm", "-f", "web"));
        assertFalse(ProcessInfo.isAlive(kids.getFirst()), "the VM process's child died with it");
    }

    @Test
    void rmRemovesStoppedVmsAndReportsUnknownOnes() throws Exception {
        exited("a", 0);
        exited("b", 1);
        assertEquals(1, run("rm", "a", "nope", "b"));
        assertEquals("a\nb\n", out());
        assertEquals("jvmm: no such VM: nope\n", err());
        assertEquals(List.of(), store.list());
    }

    @Test
    void rmAmbiguousPrefix() {
        store.create(
                VmRecord.draft("/i", List.of()).withId("ab1" + "0".repeat(61)).withName("x"));
        store.create(
                VmRecord.draft("/i", List.of()).withId("ab2" + "0".repeat(61)).withName("y"));
        assertEquals(1, run("rm", "ab"));
        assertEquals("jvmm: ambiguous VM id prefix \"ab\": matches ab1000000000, ab2000000000\n", err());
    }

    @Test
    void rmNeedsAnArgument() {
        assertEquals(125, run("rm"));
        assertTrue(err().startsWith("jvmm: Missing required parameter"), err());
        assertEquals(1, err().lines().count());
    }

    @Test
    void humanDurations() {
        assertEquals("Less than a second", PsCommand.HumanDuration.of(Duration.ofMillis(300)));
        assertEquals("1 second", PsCommand.HumanDuration.of(Duration.ofSeconds(1)));
        assertEquals("59 seconds", PsCommand.HumanDuration.of(Duration.ofSeconds(59)));
        assertEquals("About a minute", PsCommand.HumanDuration.of(Duration.ofSeconds(90)));
        assertEquals("5 minutes", PsCommand.HumanDuration.of(Duration.ofMinutes(5)));
        assertEquals("About an hour", PsCommand.HumanDuration.of(Duration.ofMinutes(70)));
        assertEquals("3 hours", PsCommand.HumanDuration.of(Duration.ofHours(3)));
        assertEquals("3 days", PsCommand.HumanDuration.of(Duration.ofDays(3)));
        assertEquals("3 weeks", PsCommand.HumanDuration.of(Duration.ofDays(21)));
        assertEquals("2 years", PsCommand.HumanDuration.of(Duration.ofDays(800)));
    }
}
