package io.jvmm.shim.task;

import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import io.jvmm.runc.Bundle;
import io.jvmm.runc.BundleException;
import io.jvmm.runc.BundleReader;
import io.jvmm.runc.BundleTranslation;
import io.jvmm.runc.BundleTranslator;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.pod.Pods;
import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.shim.proto.events.TaskCreate;
import io.jvmm.shim.proto.events.TaskDelete;
import io.jvmm.shim.proto.events.TaskExit;
import io.jvmm.shim.proto.events.TaskIO;
import io.jvmm.shim.proto.events.TaskOOM;
import io.jvmm.shim.proto.events.TaskPaused;
import io.jvmm.shim.proto.events.TaskResumed;
import io.jvmm.shim.proto.events.TaskStart;
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
import io.jvmm.shim.proto.task.UpdateTaskRequest;
import io.jvmm.shim.proto.task.WaitRequest;
import io.jvmm.shim.proto.task.WaitResponse;
import io.jvmm.shim.proto.types.ProcessInfo;
import io.jvmm.shim.proto.types.Status;
import io.jvmm.shim.ttrpc.TtrpcException;
import io.jvmm.shim.ttrpc.TtrpcService;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * containerd's {@code containerd.task.v2.Task} over the engine: a task is a pod of one container made
 * from its bundle as {@code jvmm runc} makes it ({@link BundleTranslator}), with containerd's snapshot
 * mounted as the bundle's rootfs. Errors carry the codes containerd's errdefs expect: an unknown id is
 * NOT_FOUND, a second Create ALREADY_EXISTS, an operation in the wrong state FAILED_PRECONDITION, what
 * jvmm does not do UNIMPLEMENTED.
 */
public final class TaskService {
    public static final String NAME = "containerd.task.v2.Task";

    /** Pauses or resumes a pod's VM. */
    @FunctionalInterface
    public interface PodPauser {
        void pause(Pod pod, boolean pause);
    }

    private final Pods pods;
    private final PodPauser pauser;
    private final RootfsMounter mounter;
    private final EventSink events;
    private final Consumer<String> log;
    private final Runnable shutdown;
    private final String version;
    private final Map<String, ShimTask> tasks = new ConcurrentHashMap<>();

    /**
     * @param shutdown called once Shutdown finds no task left: the shim exits after answering
     * @param version  what Connect reports
     */
    public TaskService(
            Pods pods,
            PodPauser pauser,
            RootfsMounter mounter,
            EventSink events,
            Consumer<String> log,
            Runnable shutdown,
            String version) {
        this.pods = pods;
        this.pauser = pauser;
        this.mounter = mounter;
        this.events = events;
        this.log = log;
        this.shutdown = shutdown;
        this.version = version;
    }

    /** The service's methods, for a {@link io.jvmm.shim.ttrpc.TtrpcServer}. */
    public TtrpcService ttrpc() {
        return TtrpcService.builder(NAME)
                .unary("State", StateRequest.parser(), r -> guard(() -> state(r)))
                .unary("Create", CreateTaskRequest.parser(), r -> guard(() -> create(r)))
                .unary("Start", StartRequest.parser(), r -> guard(() -> start(r)))
                .unary("Delete", DeleteRequest.parser(), r -> guard(() -> delete(r)))
                .unary("Pids", PidsRequest.parser(), r -> guard(() -> pids(r)))
                .unary("Pause", PauseRequest.parser(), r -> guard(() -> pause(r.getId(), true)))
                .unary("Resume", ResumeRequest.parser(), r -> guard(() -> pause(r.getId(), false)))
                .unary("Checkpoint", CheckpointTaskRequest.parser(), r -> guard(() -> checkpoint(r)))
                .unary("Kill", KillRequest.parser(), r -> guard(() -> kill(r)))
                .unary("Exec", ExecProcessRequest.parser(), r -> guard(() -> exec(r)))
                .unary("ResizePty", ResizePtyRequest.parser(), r -> guard(() -> resizePty(r)))
                .unary("CloseIO", CloseIORequest.parser(), r -> guard(() -> closeIo(r)))
                .unary("Update", UpdateTaskRequest.parser(), r -> guard(() -> update(r)))
                .unary("Wait", WaitRequest.parser(), r -> guard(() -> await(r)))
                .unary("Stats", StatsRequest.parser(), r -> guard(() -> stats(r)))
                .unary("Connect", ConnectRequest.parser(), r -> guard(() -> connect(r)))
                .unary("Shutdown", ShutdownRequest.parser(), r -> guard(() -> shutdown(r)))
                .build();
    }

    /** The ids of the tasks this shim holds. */
    public List<String> taskIds() {
        return List.copyOf(tasks.keySet());
    }

    private interface Call {
        Message run() throws InterruptedException;
    }

    /** The engine's and the bundle reader's one-line errors, with a gRPC code. */
    private static Message guard(Call call) throws InterruptedException {
        try {
            return call.run();
        } catch (BundleException e) {
            throw TtrpcException.invalidArgument(e.getMessage());
        } catch (EngineException e) {
            throw new TtrpcException(
                    e.status() == EngineException.USAGE
                            ? TtrpcException.Code.INVALID_ARGUMENT
                            : TtrpcException.Code.UNKNOWN,
                    e.getMessage());
        }
    }

    private ShimTask task(String id) {
        ShimTask t = tasks.get(id);
        if (t == null) throw TtrpcException.notFound("task " + id + " not found");
        return t;
    }

    private static void initOnly(String id, String execId) {
        if (!execId.isEmpty()) throw TtrpcException.notFound("process " + execId + " of task " + id + " not found");
    }

    CreateTaskResponse create(CreateTaskRequest r) throws InterruptedException {
        String id = r.getId();
        BundleTranslator.checkId(id);
        if (r.getTerminal()) throw TtrpcException.unimplemented("terminal: jvmm's shim does not support terminals yet");
        if (!r.getCheckpoint().isEmpty())
            throw TtrpcException.unimplemented("restoring task " + id + " from a checkpoint is not supported");
        if (tasks.putIfAbsent(id, placeholder(id)) != null)
            throw TtrpcException.alreadyExists("task " + id + " already exists");
        Path bundle = Path.of(r.getBundle()).toAbsolutePath().normalize();
        Path rootfs = bundle.resolve("rootfs");
        boolean mounted = false;
        Pod pod = null;
        try {
            if (pods.list().stream().anyMatch(p -> p.name().equals(id)))
                throw TtrpcException.alreadyExists(
                        "a pod named " + id + " is left from an earlier shim: run the shim's delete for it");
            if (r.getRootfsCount() > 0) {
                mounter.mount(r.getRootfsList(), rootfs);
                mounted = true;
            }
            Bundle b = BundleReader.read(bundle);
            BundleTranslation t = BundleTranslator.translate(b, id);
            pod = pods.create(t.pod());
            Container container = pod.createContainer(t.container());
            pod.boot(null);
            int pid = (int) pod.record().state().pid();
            ShimTask task = new ShimTask(
                    id,
                    bundle,
                    pod,
                    container,
                    r.getStdin(),
                    r.getStdout(),
                    r.getStderr(),
                    false,
                    pid,
                    new TaskIo(r.getStdout(), r.getStderr(), log));
            tasks.put(id, task);
            events.publish(
                    "/tasks/create",
                    TaskCreate.newBuilder()
                            .setContainerId(id)
                            .setBundle(bundle.toString())
                            .addAllRootfs(r.getRootfsList())
                            .setIo(TaskIO.newBuilder()
                                    .setStdin(r.getStdin())
                                    .setStdout(r.getStdout())
                                    .setStderr(r.getStderr())
                                    .setTerminal(r.getTerminal()))
                            .setPid(pid)
                            .build());
            return CreateTaskResponse.newBuilder().setPid(pid).build();
        } catch (RuntimeException | InterruptedException e) {
            tasks.remove(id);
            if (pod != null) {
                try {
                    pod.delete(true);
                } catch (RuntimeException cleanup) {
                    e.addSuppressed(cleanup);
                }
            }
            if (mounted) mounter.unmount(rootfs);
            throw e;
        }
    }

    /** Holds an id while its Create runs, so a second Create of it fails at once. */
    private static ShimTask placeholder(String id) {
        return new ShimTask(id, Path.of(""), null, null, "", "", "", false, 0, null);
    }

    /** The task, once its Create has finished. */
    private ShimTask created(String id) {
        ShimTask t = task(id);
        if (t.pod == null) throw TtrpcException.failedPrecondition("task " + id + " is still being created");
        return t;
    }

    StartResponse start(StartRequest r) throws InterruptedException {
        initOnly(r.getId(), r.getExecId());
        ShimTask t = created(r.getId());
        synchronized (t) {
            if (t.status() != Status.CREATED)
                throw TtrpcException.failedPrecondition(
                        "task " + t.id + " is " + t.status().name().toLowerCase() + ", not created");
            try {
                t.container.start();
            } catch (EngineException e) {
                // the program could not run: the task is over, with its status (126 or 127)
                exited(t, e.status() == 126 || e.status() == 127 ? e.status() : 255, false);
                throw e;
            }
            t.status(Status.RUNNING);
        }
        t.io.start(t.container, "shim-io-" + t.id);
        events.publish(
                "/tasks/start",
                TaskStart.newBuilder().setContainerId(t.id).setPid(t.pid).build());
        Thread.ofPlatform().name("shim-wait-" + t.id).daemon().start(() -> reap(t));
        return StartResponse.newBuilder().setPid(t.pid).build();
    }

    /** Waits for the container's exit, lets its output drain, then records and announces it. */
    private void reap(ShimTask t) {
        int code;
        boolean oom = false;
        try {
            code = t.container.await();
            ContainerRecord.State s = t.container.record().state();
            oom = s.oomKilled();
        } catch (RuntimeException e) {
            log.accept("shim: task " + t.id + ": " + e.getMessage());
            code = 255;
        } catch (InterruptedException e) {
            return;
        }
        try {
            t.io.await(10_000);
        } catch (InterruptedException e) {
            return;
        }
        exited(t, code, oom);
    }

    private void exited(ShimTask t, int code, boolean oom) {
        Instant at = Instant.now();
        if (!t.exit(code, at)) return;
        if (oom)
            events.publish(
                    "/tasks/oom", TaskOOM.newBuilder().setContainerId(t.id).build());
        events.publish(
                "/tasks/exit",
                TaskExit.newBuilder()
                        .setContainerId(t.id)
                        .setId(t.id)
                        .setPid(t.pid)
                        .setExitStatus(code)
                        .setExitedAt(timestamp(at))
                        .build());
    }

    DeleteResponse delete(DeleteRequest r) throws InterruptedException {
        initOnly(r.getId(), r.getExecId());
        ShimTask t = created(r.getId());
        synchronized (t) {
            Status s = t.status();
            if (s == Status.RUNNING || s == Status.PAUSED)
                throw TtrpcException.failedPrecondition(
                        "task " + t.id + " is " + s.name().toLowerCase() + ": kill it first");
            if (s == Status.CREATED) exited(t, 0, false);
            try {
                t.pod.delete(true);
            } finally {
                mounter.unmount(t.bundle.resolve("rootfs"));
                tasks.remove(t.id);
            }
        }
        events.publish(
                "/tasks/delete",
                TaskDelete.newBuilder()
                        .setContainerId(t.id)
                        .setPid(t.pid)
                        .setExitStatus(t.exitStatus())
                        .setExitedAt(timestamp(t.exitedAt()))
                        .build());
        return DeleteResponse.newBuilder()
                .setPid(t.pid)
                .setExitStatus(t.exitStatus())
                .setExitedAt(timestamp(t.exitedAt()))
                .build();
    }

    StateResponse state(StateRequest r) {
        initOnly(r.getId(), r.getExecId());
        ShimTask t = created(r.getId());
        StateResponse.Builder b = StateResponse.newBuilder()
                .setId(t.id)
                .setBundle(t.bundle.toString())
                .setPid(t.pid)
                .setStatus(t.status())
                .setStdin(t.stdin)
                .setStdout(t.stdout)
                .setStderr(t.stderr)
                .setTerminal(t.terminal);
        if (t.status() == Status.STOPPED) b.setExitStatus(t.exitStatus()).setExitedAt(timestamp(t.exitedAt()));
        return b.build();
    }

    /** The task's one host process: the VM that holds it (its processes are the guest's). */
    PidsResponse pids(PidsRequest r) {
        ShimTask t = created(r.getId());
        PidsResponse.Builder b = PidsResponse.newBuilder();
        if (t.status() != Status.STOPPED)
            b.addProcesses(ProcessInfo.newBuilder().setPid(t.pid));
        return b.build();
    }

    Empty pause(String id, boolean pause) {
        ShimTask t = created(id);
        synchronized (t) {
            Status want = pause ? Status.RUNNING : Status.PAUSED;
            if (t.status() != want)
                throw TtrpcException.failedPrecondition("task " + id + " is "
                        + t.status().name().toLowerCase() + ", cannot " + (pause ? "pause" : "resume") + " it");
            pauser.pause(t.pod, pause);
            t.status(pause ? Status.PAUSED : Status.RUNNING);
        }
        events.publish(
                pause ? "/tasks/paused" : "/tasks/resumed",
                pause
                        ? TaskPaused.newBuilder().setContainerId(id).build()
                        : TaskResumed.newBuilder().setContainerId(id).build());
        return Empty.getDefaultInstance();
    }

    Empty kill(KillRequest r) throws InterruptedException {
        initOnly(r.getId(), r.getExecId());
        ShimTask t = created(r.getId());
        int signo = r.getSignal();
        if (signo < 1 || signo > 64) throw TtrpcException.invalidArgument("signal " + signo + " is out of range 1..64");
        synchronized (t) {
            switch (t.status()) {
                case STOPPED -> throw TtrpcException.notFound("process of task " + t.id + " already finished");
                // a created init waits for Start with no handler: any signal ends it
                case CREATED -> {
                    exited(t, 128 + signo, false);
                    t.pod.stop(0);
                }
                default -> t.container.kill(signo);
            }
        }
        return Empty.getDefaultInstance();
    }

    WaitResponse await(WaitRequest r) throws InterruptedException {
        initOnly(r.getId(), r.getExecId());
        ShimTask t = created(r.getId());
        t.awaitExit();
        return WaitResponse.newBuilder()
                .setExitStatus(t.exitStatus())
                .setExitedAt(timestamp(t.exitedAt()))
                .build();
    }

    ConnectResponse connect(ConnectRequest r) {
        ShimTask t = tasks.get(r.getId());
        return ConnectResponse.newBuilder()
                .setShimPid((int) ProcessHandle.current().pid())
                .setTaskPid(t == null ? 0 : t.pid)
                .setVersion(version)
                .build();
    }

    /** Ends the shim when it holds no task; otherwise nothing (containerd asks after every Delete). */
    Empty shutdown(ShutdownRequest r) {
        if (tasks.isEmpty()) shutdown.run();
        return Empty.getDefaultInstance();
    }

    /** There is no stdin forwarding to close yet; closing it is done. */
    Empty closeIo(CloseIORequest r) {
        created(r.getId());
        return Empty.getDefaultInstance();
    }

    Empty exec(ExecProcessRequest r) {
        created(r.getId());
        throw TtrpcException.unimplemented(
                "exec in task " + r.getId() + ": jvmm's shim does not run extra processes yet");
    }

    Empty resizePty(ResizePtyRequest r) {
        created(r.getId());
        throw TtrpcException.unimplemented(
                "task " + r.getId() + " has no terminal: jvmm's shim does not support terminals yet");
    }

    Empty update(UpdateTaskRequest r) {
        created(r.getId());
        throw TtrpcException.unimplemented(
                "update of task " + r.getId() + ": changing a running VM's resources is not supported");
    }

    Message stats(StatsRequest r) {
        created(r.getId());
        throw TtrpcException.unimplemented("stats of task " + r.getId() + ": not collected yet");
    }

    Empty checkpoint(CheckpointTaskRequest r) {
        created(r.getId());
        throw TtrpcException.unimplemented("checkpoint of task " + r.getId() + " is not supported");
    }

    static Timestamp timestamp(Instant t) {
        return t == null ? Timestamp.getDefaultInstance() : ForwardingEvents.timestamp(t);
    }
}
