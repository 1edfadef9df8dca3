package io.jvmm.runtime.pod;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.agent.ContainerLimits;
import io.jvmm.agent.ContainerMount;
import io.jvmm.agent.ContainerRoot;
import io.jvmm.agent.ContainerSpec;
import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.GuestProcess;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Pod/Container engine over a fake hypervisor and agent: records, roots in the share, and the lifecycle rules. */
class PodTest {
    @TempDir
    Path tmp;

    private VmStore vms;
    private FakeHypervisor hv;
    private Pods pods;
    private Path rootImage;
    private Path binds;

    @BeforeEach
    void setUp() throws Exception {
        vms = new VmStore(new StateDirs(tmp.resolve("data"), tmp.resolve("run")));
        hv = new FakeHypervisor(vms);
        pods = new Pods(vms, hv, new PrintStream(OutputStream.nullOutputStream()));
        rootImage = Files.writeString(tmp.resolve("root.erofs"), "an image");
        binds = Files.createDirectories(tmp.resolve("binds/roots/a"));
    }

    private Pod pod(String name) {
        return pods.create(PodConfig.builder()
                .name(name)
                .memoryMib(512)
                .publish("8080:80")
                .mount(VmRecord.Mount.bind(tmp.resolve("binds").toString(), "/srv", false))
                .label("team", "x")
                .build());
    }

    @Test
    void aContainersMountsComeFromThePodsBindsAndVolumes() throws Exception {
        Pod p = pods.create(PodConfig.builder()
                .name("m")
                .mount(VmRecord.Mount.bind(tmp.resolve("binds").toString(), "/srv", false))
                .mount(VmRecord.Mount.volume("data", "/var/data", false))
                .build());
        assertEquals(
                ContainerMount.bind("/srv/roots/a", "/etc/app", true),
                p.containerMount(VmRecord.Mount.bind(binds.toString(), "/etc/app", true)));
        assertEquals("/srv", p.pathInPod(tmp.resolve("binds")));
        assertEquals(
                ContainerMount.bind("/var/data", "/data", false),
                p.containerMount(VmRecord.Mount.volume("data", "/data", false)));
        EngineException outside = assertThrows(
                EngineException.class,
                () -> p.containerMount(
                        VmRecord.Mount.bind(tmp.resolve("elsewhere").toString(), "/x", false)));
        assertEquals(EngineException.USAGE, outside.status());
        assertEquals(
                "bind source " + tmp.resolve("elsewhere") + " is not inside a directory bound into pod m; bind it"
                        + " (or a directory above it) when the pod is created",
                outside.getMessage());
        assertEquals(
                "volume other is not in pod m; give it to the pod when it is created",
                assertThrows(EngineException.class, () -> p.containerMount(VmRecord.Mount.volume("other", "/x", false)))
                        .getMessage());

        Container c = p.createContainer(loop("c")
                .directory(binds)
                .mount(p.containerMount(VmRecord.Mount.volume("data", "/data", true)))
                .mount(ContainerMount.tmpfs("/run", ContainerMount.NO_SUID, "size=8m"))
                .build());
        assertEquals(
                List.of(ContainerMount.bind("/var/data", "/data", true), ContainerMount.tmpfs("/run", 2, "size=8m")),
                c.record().mounts(),
                "recorded, for the guest to make when the pod starts");
    }

    private static ContainerConfig.Builder loop(String name) {
        return ContainerConfig.builder().name(name).command("sh", "-c", "trap 'exit 0' TERM; sleep 1000 & wait");
    }

    @Test
    void createBootsNothingAndRecordsAPodWithItsShareAsRoot() throws Exception {
        Pod p = pod("web");
        VmRecord r = p.record();
        assertTrue(r.pod());
        assertEquals(List.of(), r.command());
        assertTrue(r.readOnlyRoot());
        assertEquals(vms.dirs().podShareDir(r.id()).toString(), r.image());
        assertTrue(Files.isDirectory(Path.of(r.image()).resolve("containers")));
        assertEquals(List.of("8080:80"), r.ports());
        assertFalse(p.running());
        PodStatus s = p.status();
        assertEquals(VmRecord.Status.CREATED, s.state());
        assertEquals("fake-hypervisor", s.hypervisor());
        assertEquals("", s.agent());
        assertEquals(List.of("web"), pods.list().stream().map(Pod::name).toList());
        assertEquals(r.id(), pods.get("web").id());
    }

    @Test
    void aPlainVmIsNoPodAndABadConfigStoresNothing() {
        vms.create(VmRecord.draft(rootImage.toString(), List.of("true")).withName("plain"));
        EngineException e = assertThrows(EngineException.class, () -> pods.get("plain"));
        assertEquals("plain is a VM, not a pod", e.getMessage());
        EngineException bad = assertThrows(
                EngineException.class,
                () -> pods.create(PodConfig.builder().name("p").publish("bad").build()));
        assertEquals("bad port", bad.getMessage());
        assertThrows(
                EngineException.class,
                () -> pods.create(PodConfig.builder().memoryMib(16).build()));
        assertEquals(List.of("plain"), vms.list().stream().map(VmRecord::name).toList());
    }

    @Test
    void containersOfACreatedPodAreRecordedAndStartWithIt() throws Exception {
        Pod p = pod("web");
        Container a =
                p.createContainer(loop("a").imageFile(rootImage).env("K=v").build());
        Container b = p.createContainer(loop("b")
                .directory(binds)
                .user("1000")
                .limits(ContainerLimits.NONE.withMemory(16 << 20))
                .build());
        ContainerRecord ra = a.record();
        assertEquals(ContainerRecord.Status.CREATED, ra.state().status());
        assertEquals("/containers/a/root.img", ra.root().guestPath());
        Path placed = Path.of(ra.root().hostPath());
        assertEquals("an image", Files.readString(placed));
        assertTrue(placed.startsWith(Path.of(p.record().image())), placed::toString);
        assertEquals("/srv/roots/a", b.record().root().guestPath());

        p.start(null);
        FakeAgent agent = hv.agents.get(p.id());
        assertEquals(List.of("create a", "create b", "start a", "start b"), agent.calls);
        ContainerSpec sa = agent.specs.get("a");
        assertEquals(ContainerRoot.image("/containers/a/root.img"), sa.root());
        assertEquals("a", sa.hostname());
        assertEquals(List.of("K=v"), sa.env());
        ContainerSpec sb = agent.specs.get("b");
        assertEquals(ContainerRoot.directory("/srv/roots/a"), sb.root());
        assertEquals("1000", sb.user());
        assertEquals(16 << 20, sb.limits().memoryBytes());
        PodStatus s = p.status();
        assertEquals(VmRecord.Status.RUNNING, s.state());
        assertEquals("fake-agent", s.agent());
        assertEquals(
                List.of(ContainerRecord.Status.RUNNING, ContainerRecord.Status.RUNNING),
                s.containers().stream().map(c -> c.state().status()).toList());
    }

    @Test
    void bootPreparesTheRecordedContainersWithoutStartingThem() throws Exception {
        Pod p = pod("oci");
        Container a = p.createContainer(loop("a").imageFile(rootImage).build());
        Container bad = p.createContainer(ContainerConfig.builder()
                .name("bad")
                .command("unpreparable")
                .imageFile(rootImage)
                .build());
        EngineException e = assertThrows(EngineException.class, () -> p.boot(null));
        assertEquals(
                "pod oci booted, but not all its containers were prepared: create container bad: refused",
                e.getMessage());
        assertTrue(p.running());
        FakeAgent agent = hv.agents.get(p.id());
        assertEquals(List.of("create a", "create bad"), agent.calls);
        assertEquals(ContainerRecord.Status.CREATED, a.status().state().status());
        a.start();
        assertEquals(List.of("create a", "create bad", "start a"), agent.calls);
        assertEquals(ContainerRecord.Status.RUNNING, a.status().state().status());
        EngineException again = assertThrows(EngineException.class, () -> p.boot(null));
        assertEquals("pod oci is already running", again.getMessage());
        assertEquals(ContainerRecord.Status.CREATED, bad.record().state().status());
    }

    @Test
    void aContainerRemovedWhileThePodIsListedIsNoError() throws Exception {
        Pod p = pod("race");
        p.createContainer(loop("kept").imageFile(rootImage).build());
        p.createContainer(loop("gone").imageFile(rootImage).build());
        p.start(null);
        FakeAgent agent = hv.agents.get(p.id());
        agent.removedAfterListing = "gone"; // a --rm reaper deleting it from the guest meanwhile
        List<ContainerRecord> cs = p.status().containers();
        assertEquals(
                List.of("kept", "gone"), cs.stream().map(ContainerRecord::name).toList());
        assertEquals(ContainerRecord.Status.RUNNING, cs.get(0).state().status());
    }

    @Test
    void aPausedPodIsListedFromItsRecordsRefusesItsAgentAndStopsAfterResuming() throws Exception {
        Pod p = pod("frozen");
        Container c = p.createContainer(ContainerConfig.builder()
                .name("c")
                .imageFile(rootImage)
                .command("sleep", "1000")
                .build());
        p.start(null);
        FakeAgent agent = hv.agents.get(p.id());
        hv.paused.add(p.id());
        agent.calls.clear();
        agent.listings = 0;
        PodStatus s = p.status();
        assertTrue(s.paused());
        assertEquals(VmRecord.Status.RUNNING, s.state());
        assertEquals(
                ContainerRecord.Status.RUNNING,
                s.containers().getFirst().state().status());
        assertEquals("fake-agent", s.agent());
        assertEquals(ContainerRecord.Status.RUNNING, c.status().state().status());
        assertEquals(List.of(), agent.calls, "a paused guest cannot answer: it is not asked");
        assertEquals(0, agent.listings);
        EngineException refused = assertThrows(EngineException.class, () -> c.exec(ExecRequest.of("ls"), null));
        assertEquals("pod frozen is paused; unpause it first", refused.getMessage());
        assertThrows(EngineException.class, () -> c.kill(15));
        assertThrows(EngineException.class, () -> c.stop(1));
        p.stop(0);
        assertFalse(hv.paused.contains(p.id()), "resumed so that its programs get their signals");
        assertFalse(p.running());
        assertEquals(137, c.await());
    }

    @Test
    void updatedLimitsReachARunningContainerAndEveryLaterStart() throws Exception {
        Pod p = pod("up");
        Container c = p.createContainer(loop("s").imageFile(rootImage).build());
        ContainerLimits half = ContainerLimits.NONE.withMemory(64 << 20).withCpus(0.5);
        c.update(half);
        assertEquals(half, c.record().limits(), "recorded while the pod is down");
        p.start(null);
        FakeAgent agent = hv.agents.get(p.id());
        assertEquals(half, agent.specs.get("s").limits(), "the guest creates it with them");
        assertEquals(Map.of(), agent.updated, "nothing to update in the guest: it was created with them");
        assertEquals(ContainerRecord.Status.RUNNING, c.status().state().status(), "started with its pod");
        ContainerLimits pids = ContainerLimits.NONE.withPids(20);
        c.update(pids);
        assertEquals(pids, agent.updated.get("s"), "a running container gets them at once");
        assertEquals(pids, c.record().limits());
        EngineException tooBig =
                assertThrows(EngineException.class, () -> c.update(ContainerLimits.NONE.withMemory(1L << 30)));
        assertEquals(EngineException.USAGE, tooBig.status());
        assertEquals(
                "container s: memory limit 1073741824 bytes is more than its pod's 512 MiB; a running VM's memory"
                        + " cannot grow",
                tooBig.getMessage());
        assertEquals(pids, c.record().limits(), "a refused update changes nothing");
    }

    @Test
    void aContainerAddedToARunningPodIsPreparedInTheGuestButNotStarted() throws Exception {
        Pod p = pod("web");
        p.start(null);
        Container c = p.createContainer(loop("late").imageFile(rootImage).build());
        FakeAgent agent = hv.agents.get(p.id());
        assertEquals(List.of("create late"), agent.calls);
        assertEquals(ContainerRecord.Status.CREATED, c.status().state().status());
        c.start();
        assertEquals(ContainerRecord.Status.RUNNING, c.status().state().status());
        assertEquals(
                List.of("sh -c trap 'exit 0' TERM; sleep 1000 & wait"),
                c.top().stream().map(GuestProcess::command).toList());
        assertEquals("ran\n", c.exec(ExecRequest.of("ls"), null).stdoutText());
        assertEquals("late", agent.execs.getFirst().container());
        c.copyIn(new ByteArrayInputStream(new byte[] {1, 2, 3}), "/in.bin", 0644);
        ByteArrayOutputStream copied = new ByteArrayOutputStream();
        assertEquals(3, c.copyOut("/in.bin", copied));
        assertArrayEquals(new byte[] {1, 2, 3}, copied.toByteArray());
        assertTrue(agent.files.containsKey("late:/in.bin"), "copied into the container, not the pod");
    }

    @Test
    void stopEndsWithSigtermOrAfterTheGraceWithSigkill() throws Exception {
        Pod p = pod("web");
        p.start(null);
        Container polite = p.createContainer(loop("polite").imageFile(rootImage).build());
        Container stubborn = p.createContainer(ContainerConfig.builder()
                .name("stubborn")
                .imageFile(rootImage)
                .command("sleep", "1000")
                .build());
        polite.start();
        stubborn.start();
        polite.stop(5);
        assertEquals(0, polite.await());
        stubborn.stop(0);
        assertEquals(137, stubborn.await());
        assertEquals(ContainerRecord.Status.EXITED, stubborn.status().state().status());
    }

    @Test
    void podStopKeepsExitStatusesAndOutputAndStartRunsThemAgain() throws Exception {
        Pod p = pod("web");
        p.start(null);
        Container a = p.createContainer(loop("a").imageFile(rootImage).build());
        Container b = p.createContainer(ContainerConfig.builder()
                .name("b")
                .imageFile(rootImage)
                .command("sleep", "1000")
                .build());
        a.start();
        b.start();
        p.stop(0);
        assertFalse(p.running());
        assertEquals(VmRecord.Status.EXITED, p.status().state());
        assertEquals(0, a.await());
        assertEquals(137, b.await());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        a.logs(false, out, OutputStream.nullOutputStream());
        assertEquals("out of a\n", out.toString(StandardCharsets.UTF_8));
        assertThrows(EngineException.class, a::start, "a stopped pod's container cannot start");

        p.start(null);
        assertEquals(ContainerRecord.Status.RUNNING, a.status().state().status());
        assertNull(a.record().state().exitCode());
        out.reset();
        a.logs(false, out, OutputStream.nullOutputStream());
        assertEquals("out of a\nout of a\n", out.toString(StandardCharsets.UTF_8), "kept, then the guest's");
    }

    @Test
    void anExitedContainerIsPreparedAgainToStart() throws Exception {
        Pod p = pod("web");
        p.start(null);
        Container a = p.createContainer(loop("a").imageFile(rootImage).build());
        a.start();
        a.kill(9);
        assertEquals(137, a.await());
        FakeAgent agent = hv.agents.get(p.id());
        agent.calls.clear();
        a.start();
        assertEquals(List.of("delete a", "create a", "start a"), agent.calls);
    }

    @Test
    void aProgramThatIsNotFoundEndsTheContainerWith127() throws Exception {
        Pod p = pod("web");
        p.start(null);
        Container c = p.createContainer(ContainerConfig.builder()
                .name("c")
                .imageFile(rootImage)
                .command("missing")
                .build());
        EngineException e = assertThrows(EngineException.class, c::start);
        assertEquals(127, e.status());
        assertEquals(127, c.await());
    }

    @Test
    void namesAreOneNamespaceWithVmsAndBadRootsAreRefusedNamingThem() throws Exception {
        Pod p = pod("web");
        p.createContainer(loop("a").imageFile(rootImage).build());
        EngineException dup = assertThrows(
                EngineException.class,
                () -> p.createContainer(loop("a").imageFile(rootImage).build()));
        assertTrue(dup.getMessage().contains("\"a\" is already used by a container of pod web"), dup.getMessage());
        EngineException vm = assertThrows(
                EngineException.class,
                () -> p.createContainer(loop("web").imageFile(rootImage).build()));
        assertTrue(vm.getMessage().contains("already used by VM"), vm.getMessage());
        EngineException vmNamedLikeAContainer = assertThrows(
                EngineException.class,
                () -> vms.create(VmRecord.draft(rootImage.toString(), List.of()).withName("a")));
        assertTrue(vmNamedLikeAContainer.getMessage().contains("container of pod web"));
        Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
        EngineException dir = assertThrows(
                EngineException.class,
                () -> p.createContainer(loop("d").directory(outside).build()));
        assertEquals(
                "container root " + outside
                        + " is not inside a directory bound into pod web; bind it (or a directory above it) when the pod is created",
                dir.getMessage());
        EngineException noFile = assertThrows(
                EngineException.class,
                () -> p.createContainer(
                        loop("f").imageFile(tmp.resolve("nope.img")).build()));
        assertEquals("root image file " + tmp.resolve("nope.img") + ": no such file", noFile.getMessage());
        EngineException noCommand = assertThrows(
                EngineException.class,
                () -> p.createContainer(
                        ContainerConfig.builder().imageFile(rootImage).build()));
        assertEquals("container: no command", noCommand.getMessage());
        EngineException badName = assertThrows(
                EngineException.class,
                () -> p.createContainer(loop("x/y").imageFile(rootImage).build()));
        assertEquals(EngineException.USAGE, badName.status());
        assertEquals(List.of("a"), p.containers().stream().map(Container::name).toList());
        assertEquals("a", pods.container("a").name());
        assertEquals(
                p.id(),
                pods.container(p.container("a").record().id().substring(0, 10))
                        .pod()
                        .id());
    }

    @Test
    void deleteRefusesWhatRunsUnlessForcedAndLeavesNothing() throws Exception {
        Pod p = pod("web");
        p.start(null);
        Container a = p.createContainer(loop("a").imageFile(rootImage).build());
        a.start();
        Path placed = Path.of(a.record().root().hostPath());
        EngineException e = assertThrows(EngineException.class, () -> a.delete(false));
        assertEquals("container a is running; stop it first or remove it with force", e.getMessage());
        a.delete(true);
        assertFalse(Files.exists(placed.getParent()));
        assertTrue(pods.findContainer("a").isEmpty());
        assertEquals(List.of(), hv.agents.get(p.id()).listContainers());

        p.createContainer(loop("b").imageFile(rootImage).build());
        EngineException running = assertThrows(EngineException.class, () -> p.delete(false));
        assertEquals("pod web is running; stop it first or remove it with force", running.getMessage());
        p.delete(true);
        assertEquals(List.of(), pods.list());
        assertFalse(Files.exists(vms.dirs().vmDataDir(p.id())));
    }
}
