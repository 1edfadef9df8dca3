package io.jvmm.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.runtime.EngineException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmStoreTest {
    @TempDir
    Path home;

    StateDirs dirs;
    VmStore store;
    final List<Process> children = new ArrayList<>();

    @BeforeEach
    void setUp() {
        dirs = new StateDirs(Map.of("JVMM_HOME", home.toString()));
        store = new VmStore(dirs);
    }

    @AfterEach
    void killChildren() {
        for (Process p : children) p.destroyForcibly();
    }

    private static VmRecord draft() {
        return VmRecord.draft("/images/alpine.ext4", List.of("sh", "-c", "echo hi"));
    }

    private Process sleep() throws Exception {
        Process p = new ProcessBuilder("sleep", "30").start();
        children.add(p);
        return p;
    }

    @Test
    void createAssignsIdNameAndDirs() {
        VmRecord r = store.create(draft());
        assertTrue(VmRecord.isFullId(r.id()), r.id());
        assertTrue(r.name().matches("[a-z]+_[a-z]+\\d*"), r.name());
        assertEquals(VmRecord.Status.CREATED, r.state().status());
        assertTrue(Files.isRegularFile(dirs.vmRecordFile(r.id())));
        assertTrue(Files.isDirectory(dirs.vmRunDir(r.id())));
        assertEquals(r, store.get(r.id()));
        assertEquals(List.of(r), store.list());
    }

    @Test
    void recordRoundTripsThroughJson() throws Exception {
        VmRecord r = store.create(draft().withName("web")
                .withEnv(List.of("A=1"))
                .withCpus(2)
                .withMemoryMib(512)
                .withVolumes(List.of(
                        VmRecord.Mount.volume("data", "/data", false), VmRecord.Mount.file("/srv/x.img", "/x", true)))
                .withPorts(List.of("8080:80", "53:53/udp"))
                .withTty(true)
                .withInteractive(true)
                .withDetached(true)
                .withAutoRemove(true)
                .withHostname("box1")
                .withLabels(Map.of("app", "web")));
        VmRecord read = store.get(r.id());
        assertEquals(r, read);
        String json = Files.readString(dirs.vmRecordFile(r.id()));
        assertTrue(json.contains("\"memoryMib\" : 512"), json);
        assertTrue(json.contains("\"status\" : \"CREATED\""), json);
        assertTrue(json.contains("\"created\" : \"20"), "ISO instant: " + json);
    }

    @Test
    void duplicateNameIsRefused() {
        VmRecord web = store.create(draft().withName("web"));
        EngineException e = assertThrows(EngineException.class, () -> store.create(draft().withName("web")));
        assertTrue(
                e.getMessage().startsWith("the name \"web\" is already used by VM " + web.shortId()), e.getMessage());
        assertEquals(EngineException.USAGE, e.status());
        assertEquals(1, store.list().size());
    }

    @Test
    void invalidNameIsRefused() {
        for (String bad : new String[] {"", "-x", "a b", "a/b", "é", "x".repeat(129)}) {
            EngineException e = assertThrows(EngineException.class, () -> store.create(draft().withName(bad)), bad);
            assertEquals(1, e.getMessage().lines().count());
        }
        assertEquals(0, store.list().size());
    }

    @Test
    void concurrentCreatesFromThreadsGiveTheNameToOne() throws Exception {
        int n = 16;
        CountDownLatch start = new CountDownLatch(1);
        ConcurrentLinkedQueue<String> won = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> lost = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                try {
                    start.await();
                    won.add(store.create(draft().withName("same")).id());
                } catch (EngineException e) {
                    lost.add(e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
        }
        start.countDown();
        for (Thread t : threads) t.join();
        assertEquals(1, won.size(), "winners: " + won);
        assertEquals(n - 1, lost.size());
        assertTrue(lost.stream().allMatch(m -> m.startsWith("the name \"same\" is already used")), lost.toString());
        assertEquals(1, store.list().size());
    }

    @Test
    void concurrentRandomNamesAreUnique() throws Exception {
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            threads.add(Thread.ofPlatform().start(() -> {
                for (int j = 0; j < 5; j++) store.create(draft());
            }));
        }
        for (Thread t : threads) t.join();
        List<VmRecord> all = store.list();
        assertEquals(40, all.size());
        Set<String> names = new HashSet<>();
        for (VmRecord r : all) assertTrue(names.add(r.name()), "duplicate " + r.name());
    }

    @Test
    void concurrentCreatesFromProcessesGiveTheNameToOne() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path go = home.resolve("go");
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Process p = new ProcessBuilder(
                            java,
                            "-cp",
                            System.getProperty("java.class.path"),
                            VmStoreRaceMain.class.getName(),
                            home.toString(),
                            "racer",
                            go.toString())
                    .redirectErrorStream(true)
                    .start();
            children.add(p);
            ps.add(p);
        }
        List<BufferedReader> outs = new ArrayList<>();
        for (Process p : ps) {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("ready", r.readLine());
            outs.add(r);
        }
        Files.createFile(go);
        int won = 0;
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < ps.size(); i++) {
            assertTrue(ps.get(i).waitFor(60, TimeUnit.SECONDS));
            String line = outs.get(i).readLine();
            lines.add(line);
            if (ps.get(i).exitValue() == 0) won++;
            else assertTrue(line.startsWith("the name \"racer\" is already used by VM"), line);
        }
        assertEquals(1, won, lines.toString());
        assertEquals(1, store.list().size());
    }

    @Test
    void resolveByNameIdAndPrefix() {
        String a = "abc1" + "0".repeat(60);
        String b = "abc2" + "0".repeat(60);
        VmRecord ra = store.create(draft().withId(a).withName("alpha"));
        VmRecord rb = store.create(draft().withId(b).withName("beta"));
        assertEquals(a, ra.id());
        assertEquals(ra, store.resolve("alpha"));
        assertEquals(rb, store.resolve(b));
        assertEquals(ra, store.resolve("abc1"));
        assertEquals(rb, store.resolve("abc2000"));
        EngineException amb = assertThrows(EngineException.class, () -> store.resolve("abc"));
        assertEquals("ambiguous VM id prefix \"abc\": matches " + ra.shortId() + ", " + rb.shortId(), amb.getMessage());
        EngineException none = assertThrows(EngineException.class, () -> store.resolve("gamma"));
        assertEquals("no such VM: gamma", none.getMessage());
        assertEquals(EngineException.RUNTIME, none.status());
    }

    @Test
    void nameWinsOverIdPrefix() {
        VmRecord ra = store.create(draft().withId("ab" + "1".repeat(62)).withName("x1"));
        VmRecord named = store.create(draft().withName("ab"));
        assertEquals(named, store.resolve("ab"));
        assertEquals(ra, store.resolve("ab1"));
    }

    @Test
    void updateIsAtomicAndLeavesNoTempFiles() throws Exception {
        VmRecord r = store.create(draft().withName("web"));
        for (int i = 0; i < 20; i++) {
            int k = i;
            store.update(r.id(), x -> x.withCpus(k + 1));
        }
        assertEquals(20, store.get(r.id()).cpus());
        try (Stream<Path> s = Files.list(dirs.vmDataDir(r.id()))) {
            assertEquals(
                    List.of("vm.json"), s.map(p -> p.getFileName().toString()).toList());
        }
        EngineException e = assertThrows(EngineException.class, () -> store.update("f".repeat(64), x -> x));
        assertEquals("no such VM: " + "f".repeat(64), e.getMessage());
    }

    @Test
    void readersNeverSeeAHalfWrittenRecord() throws Exception {
        VmRecord r = store.create(draft().withName("web").withCommand(List.of("x".repeat(100_000))));
        Thread writer = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 200; i++) {
                int k = i;
                store.update(
                        r.id(),
                        x -> x.withCpus(k % 8 + 1)
                                .withCommand(List.of(String.valueOf(k).repeat(100_000 / 3))));
            }
        });
        int reads = 0;
        while (writer.isAlive() || reads < 10) {
            assertEquals("web", store.get(r.id()).name()); // throws on a torn read
            reads++;
        }
        writer.join();
    }

    @Test
    void listSkipsJunk() throws Exception {
        VmRecord r = store.create(draft());
        Files.createDirectories(dirs.vmsDataDir().resolve("c".repeat(64))); // a create that crashed
        Files.createDirectories(dirs.vmsDataDir().resolve("not-an-id"));
        Path broken = dirs.vmsDataDir().resolve("d".repeat(64));
        Files.createDirectories(broken);
        Files.writeString(broken.resolve("vm.json"), "{ not json");
        assertEquals(List.of(r), store.list());
    }

    @Test
    void listIsNewestFirst() {
        VmRecord old = store.create(draft().withCreated(Instant.parse("2020-01-01T00:00:00Z")));
        VmRecord young = store.create(draft().withCreated(Instant.parse("2024-01-01T00:00:00Z")));
        assertEquals(List.of(young, old), store.list());
    }

    @Test
    void removeDeletesBothDirs() throws Exception {
        VmRecord r = store.create(draft());
        Files.writeString(dirs.workloadLog(r.id()), "log");
        Files.writeString(dirs.vmRunDir(r.id()).resolve("ctl.sock"), "");
        store.remove(r.id());
        assertFalse(Files.exists(dirs.vmDataDir(r.id())));
        assertFalse(Files.exists(dirs.vmRunDir(r.id())));
        try (Stream<Path> s = Files.list(dirs.vmsDataDir())) {
            assertEquals(0, s.count(), "nothing left behind");
        }
        assertThrows(EngineException.class, () -> store.resolve(r.name()));
    }

    // --- liveness ---

    private VmRecord runningAs(long pid, long startTime) {
        VmRecord r = store.create(draft());
        return store.update(r.id(), x -> x.withState(VmRecord.State.running(pid, startTime, Instant.now())));
    }

    @Test
    void liveChildIsRunningUntilKilled() throws Exception {
        Process p = sleep();
        long start = ProcessInfo.startTime(p.pid()).orElseThrow();
        VmRecord r = runningAs(p.pid(), start);
        assertEquals(VmRecord.Status.RUNNING, VmStore.effectiveStatus(r));
        assertTrue(VmStore.processAlive(r));
        assertEquals(r, store.refresh(r), "a live VM is not changed");

        Runtime.getRuntime()
                .exec(new String[] {"kill", "-9", Long.toString(p.pid())})
                .waitFor();
        p.waitFor();
        assertEquals(VmRecord.Status.EXITED, VmStore.effectiveStatus(r));
        VmRecord fresh = store.refresh(r);
        assertEquals(VmRecord.Status.EXITED, fresh.state().status());
        assertEquals(VmStore.DIED, fresh.state().error());
        assertNull(fresh.state().exitCode());
        assertEquals(fresh, store.get(r.id()), "stored");
    }

    @Test
    void reusedPidIsNotTheVm() throws Exception {
        Process p = sleep();
        long start = ProcessInfo.startTime(p.pid()).orElseThrow();
        VmRecord r = runningAs(p.pid(), start - 1);
        assertEquals(VmRecord.Status.EXITED, VmStore.effectiveStatus(r));
        assertFalse(VmStore.processAlive(r));
        assertTrue(p.isAlive(), "the other process is left alone");
    }

    @Test
    void refreshKeepsAnExitTheVmProcessRecorded() {
        VmRecord r = runningAs(Integer.MAX_VALUE, 1); // no such pid
        // The VM process recorded its exit after we read r.
        store.update(r.id(), x -> x.withState(x.state().exited(Instant.now(), 7, null)));
        VmRecord fresh = store.refresh(r);
        assertEquals(7, fresh.state().exitCode());
        assertNull(fresh.state().error());
    }

    @Test
    void createdWithoutPidStaysCreated() {
        VmRecord r = store.create(draft());
        assertEquals(VmRecord.Status.CREATED, VmStore.effectiveStatus(r));
        assertEquals(r, store.refresh(r));
    }

    @Test
    void killTreeKillsTheProcessAndItsChildren() throws Exception {
        // sh starts two sleeps and waits: a parent with children, like a VM process with passt.
        Process p = new ProcessBuilder("sh", "-c", "sleep 30 & sleep 30 & wait").start();
        children.add(p);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (ProcessInfo.children(p.pid()).size() < 2 && System.nanoTime() < deadline) Thread.sleep(10);
        List<ProcessInfo.Id> kids = ProcessInfo.children(p.pid());
        assertEquals(2, kids.size());
        ProcessInfo.Id self =
                new ProcessInfo.Id(p.pid(), ProcessInfo.startTime(p.pid()).orElseThrow());
        assertTrue(ProcessInfo.killTree(self, Duration.ofSeconds(10)));
        assertFalse(ProcessInfo.isAlive(self));
        for (ProcessInfo.Id k : kids) assertFalse(ProcessInfo.isAlive(k), "child " + k);
    }

    @Test
    void aProcessWhoseFirstThreadEndedLivesUntilItsLastThreadHas() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/python3")), "skipped: python3 is not installed");
        // The main thread leaves with exit(2), not exit_group: the leader is a zombie, the other thread runs on.
        Process p = new ProcessBuilder(
                        "/usr/bin/python3",
                        "-c",
                        "import ctypes, threading, time\n"
                                + "threading.Thread(target=time.sleep, args=(3,)).start()\n"
                                + "ctypes.CDLL(None).syscall(60, 0)\n")
                .start();
        ProcessInfo.Id id =
                new ProcessInfo.Id(p.pid(), ProcessInfo.startTime(p.pid()).orElseThrow());
        Path leader = Path.of("/proc", Long.toString(p.pid()), "stat");
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!Files.readString(leader).replaceAll(".*\\) ", "").startsWith("Z")) {
            assertTrue(System.nanoTime() < deadline, "the leader never became a zombie");
            Thread.sleep(10);
        }
        assertTrue(ProcessInfo.isAlive(id), "a thread still runs");
        assertTrue(ProcessInfo.waitForExit(id, Duration.ofSeconds(20)), "gone once the thread has ended");
        assertTrue(p.waitFor(20, TimeUnit.SECONDS));
    }

    @Test
    void selfIsAlive() {
        ProcessInfo.Id me = ProcessInfo.self();
        assertTrue(ProcessInfo.isAlive(me));
        assertFalse(ProcessInfo.isAlive(me.pid(), me.startTime() + 1));
        assertFalse(ProcessInfo.isAlive(0, 0));
        assertNotEquals(0, me.startTime());
    }
}
