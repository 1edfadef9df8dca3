package io.jvmm.shim.task;

import com.google.protobuf.Empty;
import com.google.protobuf.Message;
import io.jvmm.runc.Bundle;
import io.jvmm.runc.BundleException;
import io.jvmm.runc.BundleReader;
import io.jvmm.runc.BundleTranslator;
import io.jvmm.runc.HookException;
import io.jvmm.runc.HookState;
import io.jvmm.runc.LifecycleHooks;
import io.jvmm.runc.OciLinux;
import io.jvmm.runc.ResourceLimits;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.pod.Pods;
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
import io.jvmm.shim.proto.task.StatsResponse;
import io.jvmm.shim.proto.task.UpdateTaskRequest;
import io.jvmm.shim.proto.task.WaitRequest;
import io.jvmm.shim.proto.task.WaitResponse;
import io.jvmm.shim.proto.types.ProcessInfo;
import io.jvmm.shim.proto.types.Status;
import io.jvmm.shim.ttrpc.TtrpcException;
import io.jvmm.shim.ttrpc.TtrpcService;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    private final PodPauser pauser;
    private final RootfsMounter mounter;
    private final MemberRoots members;
    private final EventSink events;
    private final Consumer<String> log;
    private final Runnable shutdown;
    private final String version;
    private final Map<String, ShimTask> tasks = new ConcurrentHashMap<>();
    private final TaskExecs execs;
    private final TaskPlacement placement;

    private static final int SIGKILL = 9;
    /** SIGHUP, SIGINT, SIGQUIT, SIGKILL and SIGTERM end Kubernetes' pause process; it ignores the rest. */
    private static final Set<Integer> ENDS_SANDBOX = Set.of(1, 2, 3, SIGKILL, 15);
    /** How long a sandbox's containers have between SIGTERM and SIGKILL when a gentle signal stops it. */
    private static final int SANDBOX_GRACE_SECONDS = 10;

    /**
     * @param shutdown called once Shutdown finds no task left: the shim exits after answering
     * @param version  what Connect reports
     */
    public TaskService(
            Pods pods,
            PodPauser pauser,
            RootfsMounter mounter,
            MemberRoots members,
            EventSink events,
            Consumer<String> log,
            Runnable shutdown,
            String version) {
        this.pauser = pauser;
        this.mounter = mounter;
        this.members = members;
        this.events = events;
        this.log = log;
        this.shutdown = shutdown;
        this.version = version;
        this.execs = new TaskExecs(events, log);
        this.placement = new TaskPlacement(pods, members);
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
                .unary("Exec", ExecProcessRequest.parser(), r -> guard(() -> execs.add(created(r.getId()), r)))
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
        } catch (HookException e) {
            throw TtrpcException.failedPrecondition(e.getMessage());
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

    CreateTaskResponse create(CreateTaskRequest r) throws InterruptedException {
        String id = r.getId();
        BundleTranslator.checkId(id);
        if (!r.getCheckpoint().isEmpty())
            throw TtrpcException.unimplemented("restoring task " + id + " from a checkpoint is not supported");
        if (tasks.putIfAbsent(id, placeholder(id)) != null)
            throw TtrpcException.alreadyExists("task " + id + " already exists");
        Path bundle = Path.of(r.getBundle()).toAbsolutePath().normalize();
        Path rootfs = bundle.resolve("rootfs");
        boolean mounted = false;
        TaskPlacement.Placement placed = null;
        InitInput input = null;
        LifecycleHooks hooks = null;
        // With a terminal the init reads it; else a stdin pipe when containerd's client sends input.
        boolean stdin = !r.getTerminal() && !r.getStdin().isEmpty();
        try {
            if (r.getRootfsCount() > 0) {
                mounter.mount(r.getRootfsList(), rootfs);
                mounted = true;
            }
            Bundle b = BundleReader.read(bundle);
            if (b.spec().process().terminal() != r.getTerminal())
                throw TtrpcException.invalidArgument("task " + id + ": the request's terminal (" + r.getTerminal()
                        + ") is not config.json's process.terminal ("
                        + b.spec().process().terminal() + ")");
            CriRole role = CriRole.of(b.spec().annotations());
            placed = role.member()
                    ? placement.join(sandbox(role.sandboxId(), id), id, b, stdin)
                    : placement.boot(id, role, BundleTranslator.translate(b, id), stdin);
            if (placed.container() != null && (r.getTerminal() || stdin))
                input = InitInput.attach(placed.container(), r.getStdin());
            int pid = (int) placed.pod().record().state().pid();
            hooks = new LifecycleHooks(
                    b.spec().hooks(),
                    new HookState(
                            id, "created", pid, bundle.toString(), b.spec().annotations()));
            hooks.create();
            ShimTask task = new ShimTask(
                    id,
                    role,
                    bundle,
                    placed.pod(),
                    placed.container(),
                    r.getStdin(),
                    r.getStdout(),
                    r.getStderr(),
                    pid,
                    new TaskIo(r.getStdout(), r.getStderr(), log),
                    input,
                    hooks);
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
        } catch (IOException e) {
            if (input != null) input.close();
            undoCreate(id, placed, mounted, rootfs, hooks, e);
            throw new TtrpcException(TtrpcException.Code.UNKNOWN, "task " + id + ": stdin: " + e.getMessage());
        } catch (RuntimeException | InterruptedException e) {
            if (input != null) input.close();
            undoCreate(id, placed, mounted, rootfs, hooks, e);
            throw e;
        }
    }

    /**
     * Takes back what a failed Create did, the errors of doing so added to {@code e}; once the hooks were
     * read, the lifecycle goes on at delete, as the spec has it after a failed create hook: poststop runs.
     */
    private void undoCreate(
            String id,
            TaskPlacement.Placement placed,
            boolean mounted,
            Path rootfs,
            LifecycleHooks hooks,
            Exception e) {
        tasks.remove(id);
        if (placed != null) {
            try {
                placed.undo().run();
            } catch (RuntimeException | InterruptedException cleanup) {
                e.addSuppressed(cleanup);
            }
        }
        if (mounted) mounter.unmount(rootfs);
        if (hooks != null) {
            try {
                hooks.afterDelete().forEach(w -> log.accept("shim: task " + id + ": " + w));
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The running sandbox a member container {@code id} joins. */
    private ShimTask sandbox(String sandboxId, String id) {
        ShimTask sandbox = tasks.get(sandboxId);
        if (sandbox == null || sandbox.pod == null || !sandbox.role.sandbox())
            throw TtrpcException.notFound("sandbox " + sandboxId + " of container " + id + " is not in this shim");
        if (sandbox.init.status() == Status.STOPPED)
            throw TtrpcException.failedPrecondition("sandbox " + sandboxId + " has stopped");
        return sandbox;
    }

    /** Holds an id while its Create runs, so a second Create of it fails at once. */
    private static ShimTask placeholder(String id) {
        return new ShimTask(id, CriRole.STANDALONE, Path.of(""), null, null, "", "", "", 0, null, null, null);
    }

    /** The task, once its Create has finished. */
    private ShimTask created(String id) {
        ShimTask t = task(id);
        if (t.pod == null) throw TtrpcException.failedPrecondition("task " + id + " is still being created");
        return t;
    }

    StartResponse start(StartRequest r) throws InterruptedException {
        ShimTask t = created(r.getId());
        if (!r.getExecId().isEmpty()) return execs.start(t, execs.get(t, r.getExecId()));
        synchronized (t) {
            if (t.init.status() != Status.CREATED)
                throw TtrpcException.failedPrecondition("task " + t.id + " is " + t.init.describe() + ", not created");
            if (t.container != null) {
                try {
                    t.hooks.beforeStart(t.container);
                } catch (HookException e) {
                    // the spec stops the container after a failed startContainer hook: it never ran
                    exited(t, 255, false);
                    throw e;
                }
                try {
                    t.container.start();
                } catch (EngineException e) {
                    // the program could not run: the task is over, with its status (126 or 127)
                    exited(t, e.status() == 126 || e.status() == 127 ? e.status() : 255, false);
                    throw e;
                }
            }
            t.init.status(Status.RUNNING);
        }
        if (t.container != null) t.io.start(t.container, "shim-io-" + t.id);
        t.hooks.afterStart().forEach(w -> log.accept("shim: task " + t.id + ": " + w));
        events.publish(
                "/tasks/start",
                TaskStart.newBuilder().setContainerId(t.id).setPid(t.pid).build());
        Thread.ofPlatform().name("shim-wait-" + t.id).daemon().start(() -> {
            if (t.container != null) reap(t);
            else reapSandbox(t);
        });
        return StartResponse.newBuilder().setPid(t.pid).build();
    }

    /** Waits for the container's exit, lets its output drain, then records and announces it. */
    private void reap(ShimTask t) {
        int code;
        boolean oom = false;
        try {
            code = t.container.await();
            oom = t.container.record().state().oomKilled();
        } catch (RuntimeException e) {
            log.accept("shim: task " + t.id + ": " + e.getMessage());
            code = 255;
        } catch (InterruptedException e) {
            return;
        }
        if (t.input != null) t.input.close();
        try {
            t.io.await(10_000);
        } catch (InterruptedException e) {
            return;
        }
        exited(t, code, oom);
    }

    /** A sandbox's init is its VM: it ends when the VM process does, killed (128 + signal) or on its own (255). */
    private void reapSandbox(ShimTask t) {
        try {
            t.pod.awaitStopped();
        } catch (InterruptedException e) {
            return;
        } catch (RuntimeException e) {
            log.accept("shim: sandbox " + t.id + ": " + e.getMessage());
        }
        int signal = t.stopSignal;
        exited(t, signal > 0 ? 128 + signal : 255, false);
    }

    private void exited(ShimTask t, int code, boolean oom) {
        Instant at = Instant.now();
        if (!t.init.exit(code, at)) return;
        if (oom)
            events.publish(
                    "/tasks/oom", TaskOOM.newBuilder().setContainerId(t.id).build());
        events.publish("/tasks/exit", exitEvent(t.id, t.id, t.pid, code, at));
    }

    static TaskExit exitEvent(String containerId, String id, int pid, int code, Instant at) {
        return TaskExit.newBuilder()
                .setContainerId(containerId)
                .setId(id)
                .setPid(pid)
                .setExitStatus(code)
                .setExitedAt(ContainerdProtos.timestamp(at))
                .build();
    }

    DeleteResponse delete(DeleteRequest r) throws InterruptedException {
        ShimTask t = created(r.getId());
        if (!r.getExecId().isEmpty()) return execs.delete(t, execs.get(t, r.getExecId()));
        synchronized (t) {
            Status s = t.init.status();
            if (s == Status.RUNNING || s == Status.PAUSED)
                throw TtrpcException.failedPrecondition(
                        "task " + t.id + " is " + t.init.describe() + ": kill it first");
            if (t.role.sandbox()) {
                List<String> left = members(t.id);
                if (!left.isEmpty())
                    throw TtrpcException.failedPrecondition(
                            "sandbox " + t.id + " still holds containers " + left + ": delete them first");
            }
            if (s == Status.CREATED) exited(t, 0, false);
            if (t.input != null) t.input.close();
            try {
                if (t.ownsPod()) t.pod.delete(true);
                else t.container.delete(true);
            } finally {
                tasks.remove(t.id);
                if (t.role.member()) members.remove(t.role.sandboxId(), t.id);
                if (t.role.sandbox()) members.removeSandbox(t.id);
                mounter.unmount(t.bundle.resolve("rootfs"));
            }
        }
        t.hooks.afterDelete().forEach(w -> log.accept("shim: task " + t.id + ": " + w));
        events.publish(
                "/tasks/delete",
                TaskDelete.newBuilder()
                        .setContainerId(t.id)
                        .setPid(t.pid)
                        .setExitStatus(t.init.exitStatus())
                        .setExitedAt(ContainerdProtos.timestamp(t.init.exitedAt()))
                        .build());
        return DeleteResponse.newBuilder()
                .setPid(t.pid)
                .setExitStatus(t.init.exitStatus())
                .setExitedAt(ContainerdProtos.timestamp(t.init.exitedAt()))
                .build();
    }

    /** The ids of the tasks that are containers of sandbox {@code sandboxId}. */
    private List<String> members(String sandboxId) {
        return tasks.values().stream()
                .filter(x -> x.role.member() && x.role.sandboxId().equals(sandboxId))
                .map(x -> x.id)
                .sorted()
                .toList();
    }

    StateResponse state(StateRequest r) {
        ShimTask t = created(r.getId());
        if (!r.getExecId().isEmpty()) {
            ExecProcess e = execs.get(t, r.getExecId());
            return stateOf(e.life, t, e.pid(), e.stdin, e.stdout, e.stderr)
                    .setExecId(e.execId)
                    .build();
        }
        return stateOf(t.init, t, t.pid, t.stdin, t.stdout, t.stderr).build();
    }

    private static StateResponse.Builder stateOf(
            ProcessLife life, ShimTask t, int pid, String stdin, String stdout, String stderr) {
        StateResponse.Builder b = StateResponse.newBuilder()
                .setId(t.id)
                .setBundle(t.bundle.toString())
                .setPid(pid)
                .setStatus(life.status())
                .setStdin(stdin)
                .setStdout(stdout)
                .setStderr(stderr);
        if (life.status() == Status.STOPPED)
            b.setExitStatus(life.exitStatus()).setExitedAt(ContainerdProtos.timestamp(life.exitedAt()));
        return b;
    }

    /** The task's one host process: the VM that holds it (its processes are the guest's). */
    PidsResponse pids(PidsRequest r) {
        ShimTask t = created(r.getId());
        PidsResponse.Builder b = PidsResponse.newBuilder();
        if (t.init.status() != Status.STOPPED)
            b.addProcesses(ProcessInfo.newBuilder().setPid(t.pid));
        return b.build();
    }

    Empty pause(String id, boolean pause) {
        ShimTask t = created(id);
        synchronized (t) {
            Status want = pause ? Status.RUNNING : Status.PAUSED;
            if (t.init.status() != want)
                throw TtrpcException.failedPrecondition(
                        "task " + id + " is " + t.init.describe() + ", cannot " + (pause ? "pause" : "resume") + " it");
            if (t.role.member())
                throw TtrpcException.unimplemented("task " + id + " shares its VM with sandbox " + t.role.sandboxId()
                        + ": one container of a pod cannot be paused alone");
            pauser.pause(t.pod, pause);
            t.init.status(pause ? Status.PAUSED : Status.RUNNING);
        }
        events.publish(
                pause ? "/tasks/paused" : "/tasks/resumed",
                pause
                        ? TaskPaused.newBuilder().setContainerId(id).build()
                        : TaskResumed.newBuilder().setContainerId(id).build());
        return Empty.getDefaultInstance();
    }

    Empty kill(KillRequest r) throws InterruptedException {
        ShimTask t = created(r.getId());
        int signo = r.getSignal();
        if (signo < 1 || signo > 64) throw TtrpcException.invalidArgument("signal " + signo + " is out of range 1..64");
        if (!r.getExecId().isEmpty()) return execs.kill(t, execs.get(t, r.getExecId()), signo);
        synchronized (t) {
            switch (t.init.status()) {
                case STOPPED -> throw TtrpcException.notFound("process of task " + t.id + " already finished");
                // a created init waits for Start with no handler: any signal ends it
                case CREATED -> {
                    exited(t, 128 + signo, false);
                    if (t.ownsPod()) t.pod.stop(0);
                }
                // its execs share its namespaces and end with it, so `all` needs nothing more
                default -> {
                    if (t.container != null) t.container.kill(signo);
                    else if (ENDS_SANDBOX.contains(signo)) {
                        // the pause process it stands for dies of these: the pod's VM stops, its containers first
                        t.stopSignal = signo;
                        t.pod.stop(signo == SIGKILL ? 0 : SANDBOX_GRACE_SECONDS);
                    }
                }
            }
        }
        return Empty.getDefaultInstance();
    }

    WaitResponse await(WaitRequest r) throws InterruptedException {
        ShimTask t = created(r.getId());
        ProcessLife life = r.getExecId().isEmpty() ? t.init : execs.get(t, r.getExecId()).life;
        life.awaitExit();
        return WaitResponse.newBuilder()
                .setExitStatus(life.exitStatus())
                .setExitedAt(ContainerdProtos.timestamp(life.exitedAt()))
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

    /** A process's stdin ends when containerd's client has sent it all. */
    Empty closeIo(CloseIORequest r) {
        ShimTask t = created(r.getId());
        if (!r.getStdin()) return Empty.getDefaultInstance();
        if (!r.getExecId().isEmpty()) execs.get(t, r.getExecId()).closeStdin();
        else if (t.input != null) t.input.closeStdin();
        return Empty.getDefaultInstance();
    }

    /** A terminal's new size, for the init or an exec that has one. */
    Empty resizePty(ResizePtyRequest r) {
        ShimTask t = created(r.getId());
        if (r.getHeight() > 65535 || r.getWidth() > 65535)
            throw TtrpcException.invalidArgument(
                    "terminal size " + r.getWidth() + "x" + r.getHeight() + ": each at most 65535");
        if (r.getExecId().isEmpty()) {
            if (t.container == null || !t.container.record().tty() || t.input == null)
                throw TtrpcException.failedPrecondition("the init of task " + t.id + " has no terminal");
            try {
                t.input.resize(r.getHeight(), r.getWidth());
            } catch (IOException x) {
                throw new TtrpcException(TtrpcException.Code.UNKNOWN, "resize " + t.id + ": " + x.getMessage());
            }
            return Empty.getDefaultInstance();
        }
        return execs.resize(t, execs.get(t, r.getExecId()), r.getHeight(), r.getWidth());
    }

    /**
     * New memory, CPU and pids limits for a task's container in its VM (kubelet's UpdateContainerResources):
     * the request's {@code LinuxResources} over the current limits, as runc update merges them.
     */
    Empty update(UpdateTaskRequest r) throws InterruptedException {
        ShimTask t = created(r.getId());
        if (t.container == null)
            throw TtrpcException.failedPrecondition(
                    "sandbox " + t.id + " runs no process: its VM's resources are fixed when it starts");
        if (t.init.status() != Status.RUNNING && t.init.status() != Status.CREATED)
            throw TtrpcException.failedPrecondition("cannot update task " + t.id + ": it is " + t.init.describe());
        String type = r.getResources().getTypeUrl();
        if (!type.isEmpty() && !type.endsWith("/LinuxResources"))
            throw TtrpcException.invalidArgument(
                    "update of task " + t.id + ": resources of type " + type + ", expected LinuxResources");
        OciLinux.Resources update = r.getResources().getValue().isEmpty()
                ? OciLinux.Resources.NONE
                : BundleReader.parseResources(r.getResources().getValue().toByteArray());
        t.container.update(ResourceLimits.merged(t.container.record().limits(), update));
        return Empty.getDefaultInstance();
    }

    /** The container's cgroup figures from the guest, as containerd's cgroup v2 metrics. */
    StatsResponse stats(StatsRequest r) throws InterruptedException {
        ShimTask t = created(r.getId());
        if (t.init.status() == Status.STOPPED || t.init.status() == Status.CREATED)
            throw TtrpcException.failedPrecondition("task " + t.id + " is " + t.init.describe() + ": no figures");
        if (t.container == null)
            throw TtrpcException.failedPrecondition(
                    "sandbox " + t.id + " runs no process: its containers have figures");
        return StatsResponse.newBuilder()
                .setStats(CgroupMetrics.pack(t.container.stats()))
                .build();
    }

    Empty checkpoint(CheckpointTaskRequest r) {
        created(r.getId());
        throw TtrpcException.unimplemented("checkpoint of task " + r.getId() + " is not supported");
    }
}
