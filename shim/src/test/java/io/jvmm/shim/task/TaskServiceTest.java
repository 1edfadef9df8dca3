package io.jvmm.shim.task;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.jvmm.agent.ContainerLimits;
import io.jvmm.agent.ContainerMount;
import io.jvmm.runc.SpecTemplate;
import io.jvmm.runtime.pod.FakeAgent;
import io.jvmm.runtime.pod.FakeHypervisor;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.pod.Pods;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmStore;
import io.jvmm.shim.proto.cgroups.Metrics;
import io.jvmm.shim.proto.task.CheckpointTaskRequest;
import io.jvmm.shim.proto.task.CloseIORequest;
import io.jvmm.shim.proto.task.ConnectRequest;
import io.jvmm.shim.proto.task.ConnectResponse;
import io.jvmm.shim.proto.task.CreateTaskRequest;
import io.jvmm.shim.proto.task.CreateTaskResponse;
import io.jvmm.shim.proto.task.DeleteRequest;
import io.jvmm.shim.proto.task.DeleteResponse;
import io.jvmm.shim.proto.task.ExecProcessRequest;
import io.jvmm.shim.proto.task.KillRequest;
import io.jvmm.shim.proto.task.PauseRequest;
import io.jvmm.shim.proto.task.PidsRequest;
import io.jvmm.shim.proto.task.PidsResponse;
import io.jvmm.shim.proto.task.ResizePtyRequest;
import io.jvmm.shim.proto.task.ResumeRequest;
import io.jvmm.shim.proto.task.ShutdownRequest;
import io.jvmm.shim.proto.task.StartRequest;
import io.jvmm.shim.proto.task.StartResponse;
import io.jvmm.shim.proto.task.StateRequest;
import io.jvmm.shim.proto.task.StateResponse;
import io.jvmm.shim.proto.task.StatsRequest;
import io.jvmm.shim.proto.task.StatsResponse;
import io.jvmm.shim.proto.task.UpdateTaskRequest;
import io.jvmm.shim.proto.task.WaitRequest;
import io.jvmm.shim.proto.task.WaitResponse;
import io.jvmm.shim.proto.types.Mount;
import io.jvmm.shim.proto.types.Status;
import io.jvmm.shim.ttrpc.TtrpcClient;
import io.jvmm.shim.ttrpc.TtrpcException;
import io.jvmm.shim.ttrpc.TtrpcException.Code;
import io.jvmm.shim.ttrpc.TtrpcServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Task service as containerd calls it, over ttrpc, with the engine's pods on a fake hypervisor and
 * agent: the lifecycle, the events in order, and the error code of every method's wrong uses.
 */
class TaskServiceTest {
    private static final Duration T = Duration.ofSeconds(10);
    private static final String SERVICE = TaskService.NAME;

    @TempDir
    Path tmp;

    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final List<String> mounts = Collections.synchronizedList(new ArrayList<>());
    private final List<Boolean> pauses = Collections.synchronizedList(new ArrayList<>());
    private final CountDownLatch shutdown = new CountDownLatch(1);
    private FakeHypervisor hv;
    private Pods pods;
    private TtrpcServer server;
    private TtrpcClient client;

    @BeforeEach
    void start() throws IOException {
        VmStore vms = new VmStore(new StateDirs(tmp.resolve("data"), tmp.resolve("run")));
        hv = new FakeHypervisor(vms);
        pods = new Pods(vms, hv, new PrintStream(OutputStream.nullOutputStream()));
        RootfsMounter mounter = new RootfsMounter() {
            @Override
            public void mount(List<Mount> ms, Path target) {
                for (Mount m : ms) {
                    mounts.add("mount " + m.getType() + " " + target);
                    if (m.getOptionsList().contains("ro")) mounts.add("read-only " + target);
                }
            }

            @Override
            public void unmount(Path target) {
                mounts.add("unmount " + target);
            }
        };
        EventSink sink = (topic, event) -> events.add(topic);
        TaskService tasks = new TaskService(
                pods,
                (pod, pause) -> pauses.add(pause),
                mounter,
                new MemberRoots(tmp.resolve("pod-roots"), mounter),
                sink,
                line -> {},
                shutdown::countDown,
                "jvmm test");
        server = TtrpcServer.bind(tmp.resolve("shim.sock"), List.of(tasks.ttrpc()), line -> {})
                .start();
        client = TtrpcClient.connect(server.socket());
    }

    @AfterEach
    void stop() throws IOException {
        client.close();
        server.close();
    }

    private <R> R call(String method, Message request, Parser<R> parser) throws Exception {
        return client.call(SERVICE, method, request, parser, T);
    }

    private Code fails(String method, Message request) {
        TtrpcException e = assertThrows(TtrpcException.class, () -> call(method, request, Empty.parser()));
        return e.code();
    }

    private Path bundle(String name, String... args) throws IOException {
        return bundle(name, Map.of(), args);
    }

    private Path bundle(String name, Map<String, String> annotations, String... args) throws IOException {
        Path b = Files.createDirectories(tmp.resolve("bundles").resolve(name));
        Files.createDirectories(b.resolve("rootfs"));
        ObjectMapper json = new ObjectMapper();
        ObjectNode config = (ObjectNode) json.readTree(SpecTemplate.json());
        ObjectNode process = (ObjectNode) config.get("process");
        process.put("terminal", false);
        process.set("args", json.valueToTree(List.of(args)));
        config.set("annotations", json.valueToTree(annotations));
        Files.write(b.resolve("config.json"), json.writeValueAsBytes(config));
        return b;
    }

    /** Adds a bind mount of {@code source} at {@code destination} to the bundle's config.json. */
    private static void addBind(Path bundle, Path source, String destination, String option) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode config =
                (ObjectNode) json.readTree(bundle.resolve("config.json").toFile());
        ObjectNode m = ((ArrayNode) config.get("mounts")).addObject();
        m.put("destination", destination).put("type", "bind").put("source", source.toString());
        m.putArray("options").add("rbind").add(option);
        Files.write(bundle.resolve("config.json"), json.writeValueAsBytes(config));
    }

    /** CRI's annotations on a Kubernetes pod's sandbox, or on one of its containers. */
    private static Map<String, String> cri(String type, String sandboxId) {
        return Map.of("io.kubernetes.cri.container-type", type, "io.kubernetes.cri.sandbox-id", sandboxId);
    }

    private CreateTaskRequest.Builder createRequest(String id, Path bundle) {
        return CreateTaskRequest.newBuilder()
                .setId(id)
                .setBundle(bundle.toString())
                .addRootfs(Mount.newBuilder()
                        .setType("overlay")
                        .setSource("overlay")
                        .addOptions("lowerdir=/l"));
    }

    private StateResponse state(String id) throws Exception {
        return call("State", StateRequest.newBuilder().setId(id).build(), StateResponse.parser());
    }

    @Test
    void aTaskLivesAsContainerdExpects() throws Exception {
        Path b = bundle("b1", "sh", "-c", "sleep 1000");
        CreateTaskResponse created = call("Create", createRequest("t1", b).build(), CreateTaskResponse.parser());
        assertEquals(ProcessHandle.current().pid(), created.getPid(), "the task's pid is its VM's process");
        assertEquals(List.of("mount overlay " + b.resolve("rootfs")), mounts);
        StateResponse s = state("t1");
        assertEquals(Status.CREATED, s.getStatus());
        assertEquals(b.toString(), s.getBundle());
        assertEquals(1, pods.list().size());
        Pod pod = pods.list().getFirst();
        assertEquals("t1", pod.name());

        StartResponse started =
                call("Start", StartRequest.newBuilder().setId("t1").build(), StartResponse.parser());
        assertEquals(created.getPid(), started.getPid());
        assertEquals(Status.RUNNING, state("t1").getStatus());
        assertEquals(
                Code.FAILED_PRECONDITION,
                fails("Start", StartRequest.newBuilder().setId("t1").build()));
        assertEquals(
                Code.FAILED_PRECONDITION,
                fails("Delete", DeleteRequest.newBuilder().setId("t1").build()));
        PidsResponse pids = call("Pids", PidsRequest.newBuilder().setId("t1").build(), PidsResponse.parser());
        assertEquals(created.getPid(), pids.getProcesses(0).getPid());

        call("Pause", PauseRequest.newBuilder().setId("t1").build(), Empty.parser());
        assertEquals(Status.PAUSED, state("t1").getStatus());
        assertEquals(
                Code.FAILED_PRECONDITION,
                fails("Pause", PauseRequest.newBuilder().setId("t1").build()));
        call("Resume", ResumeRequest.newBuilder().setId("t1").build(), Empty.parser());
        assertEquals(List.of(true, false), pauses);

        call("Kill", KillRequest.newBuilder().setId("t1").setSignal(9).build(), Empty.parser());
        WaitResponse w = call("Wait", WaitRequest.newBuilder().setId("t1").build(), WaitResponse.parser());
        assertEquals(137, w.getExitStatus());
        assertTrue(w.getExitedAt().getSeconds() > 0);
        StateResponse stopped = state("t1");
        assertEquals(Status.STOPPED, stopped.getStatus());
        assertEquals(137, stopped.getExitStatus());
        assertEquals(
                Code.NOT_FOUND,
                fails("Kill", KillRequest.newBuilder().setId("t1").setSignal(15).build()));

        DeleteResponse d = call("Delete", DeleteRequest.newBuilder().setId("t1").build(), DeleteResponse.parser());
        assertEquals(137, d.getExitStatus());
        assertEquals(List.of(), pods.list(), "the pod went with the task");
        assertEquals("unmount " + b.resolve("rootfs"), mounts.getLast());
        assertEquals(
                Code.NOT_FOUND,
                fails("State", StateRequest.newBuilder().setId("t1").build()));
        assertEquals(
                List.of(
                        "/tasks/create",
                        "/tasks/start",
                        "/tasks/paused",
                        "/tasks/resumed",
                        "/tasks/exit",
                        "/tasks/delete"),
                events);

        call("Shutdown", ShutdownRequest.newBuilder().setId("t1").build(), Empty.parser());
        assertTrue(shutdown.await(5, TimeUnit.SECONDS), "no task left: the shim goes");
    }

    /** Adds {@code sh -c script} as a hook of {@code kind} to the bundle's config.json. */
    private static void addHook(Path bundle, String kind, String script) throws IOException {
        ObjectMapper json = new ObjectMapper();
        ObjectNode config =
                (ObjectNode) json.readTree(bundle.resolve("config.json").toFile());
        ObjectNode hooks = config.has("hooks") ? (ObjectNode) config.get("hooks") : config.putObject("hooks");
        ArrayNode list = hooks.has(kind) ? (ArrayNode) hooks.get(kind) : hooks.putArray(kind);
        list.addObject().put("path", "/bin/sh").set("args", json.valueToTree(List.of("sh", "-c", script)));
        Files.write(bundle.resolve("config.json"), json.writeValueAsBytes(config));
    }

    @Test
    void hooksRunOnTheHostAtCreateStartAndDelete() throws Exception {
        Path b = bundle("hooked", "sh", "-c", "sleep 1000");
        Path order = tmp.resolve("order");
        for (String kind : List.of("prestart", "createRuntime", "createContainer", "poststart", "poststop"))
            addHook(b, kind, "read -r state; echo " + kind + " \"$state\" >> " + order);
        addHook(b, "poststop", "exit 3"); // a warning only
        call("Create", createRequest("h1", b).build(), CreateTaskResponse.parser());
        List<String> lines = Files.readAllLines(order);
        assertEquals(3, lines.size(), lines.toString());
        assertTrue(lines.get(0).startsWith("prestart {\"ociVersion\""), lines.get(0));
        assertTrue(
                lines.get(1).startsWith("createRuntime ") && lines.get(1).contains("\"status\":\"creating\""),
                lines.get(1));
        assertTrue(
                lines.get(2).contains("\"id\":\"h1\"") && lines.get(2).contains("\"bundle\":\"" + b + "\""),
                lines.get(2));
        call("Start", StartRequest.newBuilder().setId("h1").build(), StartResponse.parser());
        assertTrue(Files.readAllLines(order).get(3).contains("\"status\":\"running\""), Files.readString(order));
        call("Kill", KillRequest.newBuilder().setId("h1").setSignal(9).build(), Empty.parser());
        call("Wait", WaitRequest.newBuilder().setId("h1").build(), WaitResponse.parser());
        call("Delete", DeleteRequest.newBuilder().setId("h1").build(), DeleteResponse.parser());
        String stop = Files.readAllLines(order).get(4);
        assertTrue(
                stop.startsWith("poststop ") && stop.contains("\"status\":\"stopped\"") && !stop.contains("\"pid\""),
                stop);

        // A failing create hook fails Create and undoes it; poststop still runs.
        Path bad = bundle("refused", "true");
        addHook(bad, "createRuntime", "echo no >&2; exit 1");
        addHook(bad, "poststop", "echo undone >> " + order);
        TtrpcException e = assertThrows(
                TtrpcException.class,
                () -> call("Create", createRequest("h2", bad).build(), CreateTaskResponse.parser()));
        assertEquals(Code.FAILED_PRECONDITION, e.code());
        assertEquals(
                "error running createRuntime hook #0 (/bin/sh): exit status 1, stdout: , stderr: no", e.getMessage());
        assertEquals("undone", Files.readAllLines(order).getLast());
        assertEquals(List.of(), pods.list(), "no pod left");
        assertEquals(
                Code.NOT_FOUND,
                fails("State", StateRequest.newBuilder().setId("h2").build()));
    }

    @Test
    void aKubernetesPodsContainersRunInItsSandboxsVm() throws Exception {
        Path sb = bundle("sb", cri("sandbox", "sb1"), "/pause");
        CreateTaskResponse sandbox = call("Create", createRequest("sb1", sb).build(), CreateTaskResponse.parser());
        assertEquals(1, pods.list().size());
        Pod pod = pods.list().getFirst();
        assertEquals(List.of(), pod.containers(), "the sandbox runs no process of its own");
        call("Start", StartRequest.newBuilder().setId("sb1").build(), StartResponse.parser());
        assertEquals(Status.RUNNING, state("sb1").getStatus());

        Path b1 = bundle("c1", cri("container", "sb1"), "sh", "-c", "sleep 1000");
        Path hosts = Files.writeString(tmp.resolve("hosts"), "127.0.0.1 localhost\n");
        addBind(b1, hosts, "/etc/hosts", "ro");
        Path b2 = bundle("c2", cri("container", "sb1"), "sh", "-c", "sleep 1000");
        // As CRI writes them: the sandbox names the pod's host, its containers name none (they join its UTS
        // namespace by path).
        Files.writeString(
                b2.resolve("config.json"),
                Files.readString(b2.resolve("config.json"))
                        .replace("\"readonly\":true", "\"readonly\":false")
                        .replace("\"hostname\":\"runc\",", ""));
        CreateTaskResponse c1 = call("Create", createRequest("c1", b1).build(), CreateTaskResponse.parser());
        call("Create", createRequest("c2", b2).build(), CreateTaskResponse.parser());
        assertEquals(1, pods.list().size(), "one VM for the pod");
        assertEquals(2, pod.containers().size());
        assertEquals(sandbox.getPid(), c1.getPid(), "a container's process is the pod's VM");
        Path placed = tmp.resolve("pod-roots/sb1/c1");
        assertTrue(
                mounts.contains("mount bind " + placed), () -> "its root is placed in the sandbox's share: " + mounts);
        assertEquals(
                placed.toString(),
                pod.containers().getFirst().record().root().hostPath(),
                "the container's root is the placed one");
        Path bind = tmp.resolve("pod-roots/sb1/c1.binds/0");
        assertTrue(mounts.contains("mount bind " + bind), () -> "a bind's source is placed too: " + mounts);
        assertTrue(
                mounts.contains("read-only " + bind),
                () -> "a read-only bind is read-only on the host too, for the VM's file server: " + mounts);
        assertTrue(mounts.contains("read-only " + placed), () -> "c1's root.readonly holds on the host: " + mounts);
        assertEquals(
                pod.record().guestHostname(),
                pod.containers().get(1).record().hostname(),
                "a container naming no hostname has its pod's");
        assertFalse(
                mounts.contains("read-only " + tmp.resolve("pod-roots/sb1/c2")),
                () -> "c2's writable root stays writable: " + mounts);
        assertTrue(Files.isRegularFile(bind), "a file's mount point is a file");
        assertTrue(
                pod.containers()
                        .getFirst()
                        .record()
                        .mounts()
                        .contains(ContainerMount.bind(MemberRoots.IN_POD + "/c1.binds/0", "/etc/hosts", true)),
                () -> "the container binds it where the VM sees it: "
                        + pod.containers().getFirst().record().mounts());
        assertEquals(
                Code.FAILED_PRECONDITION,
                fails("Delete", DeleteRequest.newBuilder().setId("sb1").build()));

        call("Start", StartRequest.newBuilder().setId("c1").build(), StartResponse.parser());
        assertEquals(
                Code.UNIMPLEMENTED,
                fails("Pause", PauseRequest.newBuilder().setId("c1").build()),
                "one container of a pod cannot be paused alone");
        call("Kill", KillRequest.newBuilder().setId("c1").setSignal(9).build(), Empty.parser());
        assertEquals(
                137,
                call("Wait", WaitRequest.newBuilder().setId("c1").build(), WaitResponse.parser())
                        .getExitStatus());
        call("Delete", DeleteRequest.newBuilder().setId("c1").build(), DeleteResponse.parser());
        assertTrue(pod.running(), "a container's removal leaves the pod's VM running");
        assertEquals(1, pod.containers().size());
        assertTrue(mounts.contains("unmount " + placed));
        assertTrue(mounts.contains("unmount " + bind));
        assertFalse(Files.exists(placed));
        assertFalse(Files.exists(bind.getParent()));

        // c2 was never started; the sandbox's SIGKILL stops the VM, and its exit reaches Wait
        call("Kill", KillRequest.newBuilder().setId("sb1").setSignal(9).build(), Empty.parser());
        assertEquals(
                137,
                call("Wait", WaitRequest.newBuilder().setId("sb1").build(), WaitResponse.parser())
                        .getExitStatus());
        assertFalse(pod.running());
        call("Kill", KillRequest.newBuilder().setId("c2").setSignal(9).build(), Empty.parser());
        call("Delete", DeleteRequest.newBuilder().setId("c2").build(), DeleteResponse.parser());
        call("Delete", DeleteRequest.newBuilder().setId("sb1").build(), DeleteResponse.parser());
        assertEquals(List.of(), pods.list());
        assertFalse(Files.exists(tmp.resolve("pod-roots/sb1")), "the sandbox's share went with it");
    }

    @Test
    void aContainerOfAnUnknownSandboxIsRefusedAndLeavesNothing() throws Exception {
        Path b = bundle("orphan", cri("container", "nosuch"), "true");
        assertEquals(Code.NOT_FOUND, fails("Create", createRequest("o1", b).build()));
        assertEquals(List.of(), pods.list());
        assertEquals(List.of("mount overlay " + b.resolve("rootfs"), "unmount " + b.resolve("rootfs")), mounts);
        assertEquals(
                Code.NOT_FOUND,
                fails("State", StateRequest.newBuilder().setId("o1").build()));
    }

    @Test
    void statsAreTheGuestsCgroupFiguresAsContainerdsV2Metrics() throws Exception {
        call(
                "Create",
                createRequest("ts", bundle("bs", "sh", "-c", "sleep 1000")).build(),
                CreateTaskResponse.parser());
        call("Start", StartRequest.newBuilder().setId("ts").build(), StartResponse.parser());
        StatsResponse s = call("Stats", StatsRequest.newBuilder().setId("ts").build(), StatsResponse.parser());
        assertEquals("io.containerd.cgroups.v2.Metrics", s.getStats().getTypeUrl());
        Metrics m = Metrics.parseFrom(s.getStats().getValue());
        assertEquals(1500, m.getCpu().getUsageUsec());
        assertEquals(4096, m.getMemory().getUsage());
        assertEquals(1, m.getPids().getCurrent());
        call("Kill", KillRequest.newBuilder().setId("ts").setSignal(9).build(), Empty.parser());
        call("Wait", WaitRequest.newBuilder().setId("ts").build(), WaitResponse.parser());
        assertEquals(
                Code.FAILED_PRECONDITION,
                fails("Stats", StatsRequest.newBuilder().setId("ts").build()));
    }

    private static UpdateTaskRequest update(String id, String type, String json) {
        return UpdateTaskRequest.newBuilder()
                .setId(id)
                .setResources(Any.newBuilder()
                        .setTypeUrl(type)
                        .setValue(ByteString.copyFromUtf8(json))
                        .build())
                .build();
    }

    /** The limits of the one container the agent was told to update. */
    private static ContainerLimits only(FakeAgent agent) {
        assertEquals(1, agent.updates().size(), agent.updates()::toString);
        return agent.updates().values().iterator().next();
    }

    @Test
    void updateMergesLinuxResourcesOverTheContainersLimits() throws Exception {
        String linux = "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources";
        call(
                "Create",
                createRequest("tu", bundle("bu", "sh", "-c", "sleep 1000")).build(),
                CreateTaskResponse.parser());
        call("Start", StartRequest.newBuilder().setId("tu").build(), StartResponse.parser());
        FakeAgent agent = hv.agents.get(pods.list().getFirst().id());
        // kubelet's UpdateContainerResources, with fields jvmm has no use for (shares, cpuset, swap)
        call(
                "Update",
                update(
                        "tu",
                        linux,
                        "{\"memory\":{\"limit\":67108864,\"swap\":67108864},\"cpu\":{\"shares\":512,"
                                + "\"quota\":50000,\"period\":100000,\"cpus\":\"0\"},\"pids\":{\"limit\":64}}"),
                Empty.parser());
        assertEquals(new ContainerLimits(64 << 20, 50_000, 100_000, 64), only(agent));
        call("Update", update("tu", linux, "{\"pids\":{\"limit\":-1}}"), Empty.parser());
        assertEquals(new ContainerLimits(64 << 20, 50_000, 100_000, 0), only(agent), "the rest is kept");
        assertEquals(Code.INVALID_ARGUMENT, fails("Update", update("tu", linux, "{\"memory\":{\"limit\":\"x\"}}")));
        assertEquals(Code.INVALID_ARGUMENT, fails("Update", update("tu", linux, "{\"cpu\":{\"quota\":5}}")));
        assertEquals(
                Code.INVALID_ARGUMENT, fails("Update", update("tu", "types.containerd.io/WindowsResources", "{}")));
        assertEquals(
                Code.INVALID_ARGUMENT,
                fails("Update", update("tu", linux, "{\"memory\":{\"limit\":1099511627776}}")),
                "more than the VM's memory");
        assertEquals(new ContainerLimits(64 << 20, 50_000, 100_000, 0), only(agent));
        call("Kill", KillRequest.newBuilder().setId("tu").setSignal(9).build(), Empty.parser());
        call("Wait", WaitRequest.newBuilder().setId("tu").build(), WaitResponse.parser());
        assertEquals(Code.FAILED_PRECONDITION, fails("Update", update("tu", linux, "{}")));
    }

    @Test
    void waitBlocksUntilTheExitAndEveryWaiterGetsIt() throws Exception {
        Path b = bundle("b2", "sh", "-c", "trap 'exit 0' TERM; sleep 1000");
        call("Create", createRequest("t2", b).build(), CreateTaskResponse.parser());
        call("Start", StartRequest.newBuilder().setId("t2").build(), StartResponse.parser());
        List<Integer> got = Collections.synchronizedList(new ArrayList<>());
        List<Thread> waiters = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            waiters.add(Thread.ofPlatform().start(() -> {
                try {
                    got.add(call("Wait", WaitRequest.newBuilder().setId("t2").build(), WaitResponse.parser())
                            .getExitStatus());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            }));
        }
        TimeUnit.MILLISECONDS.sleep(200);
        assertTrue(got.isEmpty(), "nothing has exited yet");
        call("Kill", KillRequest.newBuilder().setId("t2").setSignal(15).build(), Empty.parser());
        for (Thread t : waiters) t.join(T.toMillis());
        assertEquals(List.of(0, 0), got);
        assertFalse(shutdown.await(0, TimeUnit.SECONDS));
        call("Shutdown", ShutdownRequest.newBuilder().setId("t2").build(), Empty.parser());
        assertFalse(shutdown.await(200, TimeUnit.MILLISECONDS), "a task is left: the shim stays");
    }

    @Test
    void aCreatedTaskKilledBeforeStartExitsWithTheSignal() throws Exception {
        call("Create", createRequest("t3", bundle("b3", "true")).build(), CreateTaskResponse.parser());
        call("Kill", KillRequest.newBuilder().setId("t3").setSignal(15).build(), Empty.parser());
        assertEquals(
                143,
                call("Wait", WaitRequest.newBuilder().setId("t3").build(), WaitResponse.parser())
                        .getExitStatus());
        assertEquals(
                Code.FAILED_PRECONDITION,
                fails("Start", StartRequest.newBuilder().setId("t3").build()));
        call("Delete", DeleteRequest.newBuilder().setId("t3").build(), DeleteResponse.parser());
        assertEquals(List.of(), pods.list());
    }

    @Test
    void aProgramThatIsNotFoundEndsTheTaskWith127() throws Exception {
        call("Create", createRequest("t4", bundle("b4", "missing")).build(), CreateTaskResponse.parser());
        TtrpcException e = assertThrows(
                TtrpcException.class,
                () -> call("Start", StartRequest.newBuilder().setId("t4").build(), StartResponse.parser()));
        assertTrue(e.getMessage().contains("not found"), e.getMessage());
        assertEquals(127, state("t4").getExitStatus());
        assertEquals(Status.STOPPED, state("t4").getStatus());
        call("Delete", DeleteRequest.newBuilder().setId("t4").build(), DeleteResponse.parser());
    }

    @Test
    void createRefusesWhatItCannotDoAndLeavesNothing() throws Exception {
        Path b = bundle("b5", "true");
        call("Create", createRequest("t5", b).build(), CreateTaskResponse.parser());
        assertEquals(Code.ALREADY_EXISTS, fails("Create", createRequest("t5", b).build()));
        assertEquals(
                Code.INVALID_ARGUMENT,
                fails("Create", createRequest("bad/id", b).build()));
        assertEquals(
                Code.INVALID_ARGUMENT,
                fails("Create", createRequest("t6", b).setTerminal(true).build()),
                "the request's terminal and config.json's must agree");
        // A terminal is attached to once the container is made; the fake agent has none, so the VM made
        // for it goes again (the pods left are checked below).
        Path withTty = bundle("b6", "sh");
        Files.writeString(
                withTty.resolve("config.json"),
                Files.readString(withTty.resolve("config.json")).replace("\"terminal\":false", "\"terminal\":true"));
        TtrpcException tty = assertThrows(
                TtrpcException.class,
                () -> call(
                        "Create", createRequest("t6", withTty).setTerminal(true).build(), CreateTaskResponse.parser()));
        assertEquals(Code.UNKNOWN, tty.code());
        assertTrue(tty.getMessage().startsWith("attach to container "), tty.getMessage());
        assertEquals(
                Code.UNIMPLEMENTED,
                fails("Create", createRequest("t6", b).setCheckpoint("/cp").build()));
        mounts.clear();
        Path noConfig =
                Files.createDirectories(tmp.resolve("bundles/empty/rootfs")).getParent();
        TtrpcException e = assertThrows(
                TtrpcException.class,
                () -> call("Create", createRequest("t7", noConfig).build(), CreateTaskResponse.parser()));
        assertEquals(Code.INVALID_ARGUMENT, e.code());
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
        assertEquals(
                List.of("mount overlay " + noConfig.resolve("rootfs"), "unmount " + noConfig.resolve("rootfs")),
                mounts,
                "the rootfs mounted for a failed Create is taken down");
        assertEquals(List.of("t5"), pods.list().stream().map(Pod::name).toList());
        // the refused ids stay free
        assertEquals(
                Code.NOT_FOUND,
                fails("State", StateRequest.newBuilder().setId("t7").build()));
    }

    @Test
    void everyMethodAnswersNotFoundForAnUnknownTask() {
        String id = "nosuch";
        List<Message> requests = List.of(
                StateRequest.newBuilder().setId(id).build(),
                StartRequest.newBuilder().setId(id).build(),
                DeleteRequest.newBuilder().setId(id).build(),
                PidsRequest.newBuilder().setId(id).build(),
                PauseRequest.newBuilder().setId(id).build(),
                ResumeRequest.newBuilder().setId(id).build(),
                CheckpointTaskRequest.newBuilder().setId(id).build(),
                KillRequest.newBuilder().setId(id).setSignal(9).build(),
                ExecProcessRequest.newBuilder().setId(id).setExecId("e").build(),
                ResizePtyRequest.newBuilder().setId(id).build(),
                CloseIORequest.newBuilder().setId(id).build(),
                UpdateTaskRequest.newBuilder().setId(id).build(),
                WaitRequest.newBuilder().setId(id).build(),
                StatsRequest.newBuilder().setId(id).build());
        List<String> methods = List.of(
                "State",
                "Start",
                "Delete",
                "Pids",
                "Pause",
                "Resume",
                "Checkpoint",
                "Kill",
                "Exec",
                "ResizePty",
                "CloseIO",
                "Update",
                "Wait",
                "Stats");
        for (int i = 0; i < methods.size(); i++)
            assertEquals(Code.NOT_FOUND, fails(methods.get(i), requests.get(i)), methods.get(i));
    }

    private static ExecProcessRequest.Builder execRequest(String id, String execId, String json) {
        return ExecProcessRequest.newBuilder()
                .setId(id)
                .setExecId(execId)
                .setSpec(Any.newBuilder()
                        .setTypeUrl("types.containerd.io/opencontainers/runtime-spec/1/Process")
                        .setValue(ByteString.copyFromUtf8(json)));
    }

    @Test
    void execsAreCheckedAddedOnceAndNamedByTheirId() throws Exception {
        String spec =
                "{\"args\":[\"sh\",\"-c\",\"echo hi\"],\"env\":[\"A=b\"],\"cwd\":\"/\",\"user\":{\"uid\":0,\"gid\":0}}";
        call("Create", createRequest("t9", bundle("b9", "sh")).build(), CreateTaskResponse.parser());
        assertEquals(
                Code.FAILED_PRECONDITION,
                fails("Exec", execRequest("t9", "e1", spec).build()),
                "not running yet");
        call("Start", StartRequest.newBuilder().setId("t9").build(), StartResponse.parser());
        assertEquals(
                Code.INVALID_ARGUMENT, fails("Exec", execRequest("t9", "", spec).build()));
        call("Exec", execRequest("t9", "tty", spec).setTerminal(true).build(), Empty.parser());
        assertEquals(
                Code.FAILED_PRECONDITION,
                fails(
                        "ResizePty",
                        ResizePtyRequest.newBuilder()
                                .setId("t9")
                                .setExecId("tty")
                                .setWidth(80)
                                .setHeight(24)
                                .build()),
                "a terminal not started yet");
        call("Delete", DeleteRequest.newBuilder().setId("t9").setExecId("tty").build(), DeleteResponse.parser());
        TtrpcException bad = assertThrows(
                TtrpcException.class,
                () -> call("Exec", execRequest("t9", "e1", "{\"args\": 5}").build(), Empty.parser()));
        assertEquals(Code.INVALID_ARGUMENT, bad.code());
        assertTrue(bad.getMessage().startsWith("process spec: args"), bad.getMessage());
        assertEquals(
                Code.INVALID_ARGUMENT,
                fails("Exec", execRequest("t9", "e1", "{\"args\": []}").build()));
        assertEquals(
                Code.INVALID_ARGUMENT,
                fails(
                        "Exec",
                        execRequest("t9", "e1", "{\"args\":[\"x\"],\"env\":[\"NOEQUALS\"]}")
                                .build()));
        TtrpcException caps = assertThrows(
                TtrpcException.class,
                () -> call(
                        "Exec",
                        execRequest(
                                        "t9",
                                        "e1",
                                        "{\"args\":[\"x\"],\"cwd\":\"/\",\"capabilities\":{\"effective\":[\"CAP_KILL\"]}}")
                                .build(),
                        Empty.parser()));
        assertEquals(Code.INVALID_ARGUMENT, caps.code());
        assertEquals(
                "exec e1: config.json: process.capabilities.effective has CAP_KILL, which is not in permitted",
                caps.getMessage());

        call("Exec", execRequest("t9", "e1", spec).build(), Empty.parser());
        assertEquals(
                Code.FAILED_PRECONDITION,
                fails(
                        "ResizePty",
                        ResizePtyRequest.newBuilder()
                                .setId("t9")
                                .setExecId("e1")
                                .build()),
                "no terminal");
        assertEquals(
                Code.ALREADY_EXISTS, fails("Exec", execRequest("t9", "e1", spec).build()));
        StateResponse s = call(
                "State", StateRequest.newBuilder().setId("t9").setExecId("e1").build(), StateResponse.parser());
        assertEquals(Status.CREATED, s.getStatus());
        assertEquals("e1", s.getExecId());
        assertEquals(
                Code.FAILED_PRECONDITION,
                fails(
                        "Kill",
                        KillRequest.newBuilder()
                                .setId("t9")
                                .setExecId("e1")
                                .setSignal(9)
                                .build()));
        for (String method : List.of("State", "Wait", "Delete", "Kill", "Start")) {
            Message req = switch (method) {
                case "State" ->
                    StateRequest.newBuilder().setId("t9").setExecId("e2").build();
                case "Wait" ->
                    WaitRequest.newBuilder().setId("t9").setExecId("e2").build();
                case "Delete" ->
                    DeleteRequest.newBuilder().setId("t9").setExecId("e2").build();
                case "Kill" ->
                    KillRequest.newBuilder()
                            .setId("t9")
                            .setExecId("e2")
                            .setSignal(9)
                            .build();
                default -> StartRequest.newBuilder().setId("t9").setExecId("e2").build();
            };
            assertEquals(Code.NOT_FOUND, fails(method, req), method);
        }
        call("Delete", DeleteRequest.newBuilder().setId("t9").setExecId("e1").build(), DeleteResponse.parser());
        assertEquals(
                Code.NOT_FOUND,
                fails(
                        "State",
                        StateRequest.newBuilder().setId("t9").setExecId("e1").build()));
        assertEquals(
                List.of(
                        "/tasks/create",
                        "/tasks/start",
                        "/tasks/exec-added",
                        "/tasks/delete",
                        "/tasks/exec-added",
                        "/tasks/delete"),
                events);
    }

    @Test
    void whatIsNotDoneYetSaysSo() throws Exception {
        call("Create", createRequest("t8", bundle("b8", "true")).build(), CreateTaskResponse.parser());
        assertEquals(
                Code.UNIMPLEMENTED,
                fails(
                        "Checkpoint",
                        CheckpointTaskRequest.newBuilder().setId("t8").build()));
        assertEquals(
                Code.FAILED_PRECONDITION,
                fails("ResizePty", ResizePtyRequest.newBuilder().setId("t8").build()),
                "the init has no terminal");
        assertEquals(
                Code.FAILED_PRECONDITION,
                fails("Stats", StatsRequest.newBuilder().setId("t8").build()),
                "not started");
        assertEquals(
                Code.NOT_FOUND,
                fails(
                        "State",
                        StateRequest.newBuilder().setId("t8").setExecId("e1").build()));
        assertEquals(
                Code.INVALID_ARGUMENT,
                fails("Kill", KillRequest.newBuilder().setId("t8").setSignal(65).build()));
        ConnectResponse c =
                call("Connect", ConnectRequest.newBuilder().setId("t8").build(), ConnectResponse.parser());
        assertEquals(ProcessHandle.current().pid(), c.getShimPid());
        assertEquals("jvmm test", c.getVersion());
    }
}
