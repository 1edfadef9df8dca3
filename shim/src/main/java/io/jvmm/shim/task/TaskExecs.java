package io.jvmm.shim.task;

import com.google.protobuf.Empty;
import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecResult;
import io.jvmm.agent.ExecSession;
import io.jvmm.files.Closeables;
import io.jvmm.runc.BundleException;
import io.jvmm.runc.BundleReader;
import io.jvmm.runc.ExecTranslator;
import io.jvmm.runc.OciProcess;
import io.jvmm.shim.proto.events.TaskDelete;
import io.jvmm.shim.proto.events.TaskExecAdded;
import io.jvmm.shim.proto.events.TaskExecStarted;
import io.jvmm.shim.proto.task.DeleteResponse;
import io.jvmm.shim.proto.task.ExecProcessRequest;
import io.jvmm.shim.proto.task.StartResponse;
import io.jvmm.shim.proto.types.Status;
import io.jvmm.shim.ttrpc.TtrpcException;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * The extra processes of the shim's tasks (containerd's Exec, and Start, Kill, Delete and ResizePty with
 * an exec id): each an exec in its task's container through the guest agent, with its own FIFOs, its
 * life, and its events ({@code /tasks/exec-added}, {@code /tasks/exec-started}, its exit and delete).
 * The task's init and its VM are {@link TaskService}'s.
 */
final class TaskExecs {
    private final EventSink events;
    private final Consumer<String> log;

    TaskExecs(EventSink events, Consumer<String> log) {
        this.events = events;
        this.log = log;
    }

    /** Process {@code execId} of task {@code t}; NOT_FOUND when it has none of that id. */
    ExecProcess get(ShimTask t, String execId) {
        ExecProcess e = t.execs.get(execId);
        if (e == null) throw TtrpcException.notFound("process " + execId + " of task " + t.id + " not found");
        return e;
    }

    /** Adds a process to the running task {@code t}, to be started by Start with its exec id. */
    Empty add(ShimTask t, ExecProcessRequest r) {
        String execId = r.getExecId();
        if (execId.isEmpty()) throw TtrpcException.invalidArgument("exec in task " + t.id + " needs an exec id");
        if (t.init.status() != Status.RUNNING)
            throw TtrpcException.failedPrecondition("cannot exec in task " + t.id + ": it is " + t.init.describe());
        OciProcess p = BundleReader.parseProcess(r.getSpec().getValue().toByteArray());
        ExecRequest req;
        try {
            req = ExecTranslator.request(p).withStdin(!r.getStdin().isEmpty()).withTty(r.getTerminal());
            // a terminal's output is one stream, containerd's stdout; its size comes later by ResizePty
            if (r.getTerminal() && p.consoleSize() != null)
                req = req.withSize((int) Math.min(p.consoleSize().height(), 65535), (int)
                        Math.min(p.consoleSize().width(), 65535));
        } catch (IllegalArgumentException | BundleException e) {
            throw TtrpcException.invalidArgument("exec " + execId + ": " + e.getMessage());
        }
        ExecProcess e = new ExecProcess(execId, req, r.getStdin(), r.getStdout(), r.getStderr());
        if (t.execs.putIfAbsent(execId, e) != null)
            throw TtrpcException.alreadyExists("process " + execId + " of task " + t.id + " already exists");
        events.publish(
                "/tasks/exec-added",
                TaskExecAdded.newBuilder()
                        .setContainerId(t.id)
                        .setExecId(execId)
                        .build());
        return Empty.getDefaultInstance();
    }

    /** Starts the created process {@code e} and a thread that reaps it. */
    StartResponse start(ShimTask t, ExecProcess e) throws InterruptedException {
        OutputStreams outputs;
        synchronized (e) {
            if (e.life.status() != Status.CREATED)
                throw TtrpcException.failedPrecondition(
                        "process " + e.execId + " is " + e.life.describe() + ", not created");
            FileChannel in = null;
            try {
                outputs = OutputStreams.open(e.stdout, e.stderr);
            } catch (IOException x) {
                throw new TtrpcException(TtrpcException.Code.UNKNOWN, "exec " + e.execId + ": " + x.getMessage());
            }
            try {
                // Read and write: opening a FIFO to read alone blocks until a writer comes, and containerd's
                // client may open its end later. The end of input comes as CloseIO, not as EOF.
                if (!e.stdin.isEmpty())
                    in = FileChannel.open(Path.of(e.stdin), StandardOpenOption.READ, StandardOpenOption.WRITE);
                ExecSession s = t.exec(e.request, outputs.out(), outputs.err());
                if (in != null) s.feedStdin(Channels.newInputStream(in), "shim-stdin-" + t.id + "-" + e.execId);
                e.started(s, in);
            } catch (IOException x) {
                Closeables.closeQuietly(outputs, in);
                throw new TtrpcException(TtrpcException.Code.UNKNOWN, "exec " + e.execId + ": " + x.getMessage());
            } catch (RuntimeException | InterruptedException x) {
                Closeables.closeQuietly(outputs, in);
                throw x;
            }
            e.life.status(Status.RUNNING);
        }
        events.publish(
                "/tasks/exec-started",
                TaskExecStarted.newBuilder()
                        .setContainerId(t.id)
                        .setExecId(e.execId)
                        .setPid(e.pid())
                        .build());
        Thread.ofPlatform().name("shim-wait-" + t.id + "-" + e.execId).daemon().start(() -> reapExec(t, e, outputs));
        return StartResponse.newBuilder().setPid(e.pid()).build();
    }

    private void reapExec(ShimTask t, ExecProcess e, OutputStreams outputs) {
        int code;
        try {
            ExecResult result = e.session().waitFor();
            code = result.exitCode();
            if (result.error() != null) log.accept("shim: exec " + t.id + "/" + e.execId + ": " + result.error());
        } catch (IOException x) {
            log.accept("shim: exec " + t.id + "/" + e.execId + ": " + x.getMessage()
                    + (x.getCause() == null ? "" : " (" + x.getCause() + ")"));
            code = 255;
        } catch (InterruptedException x) {
            return;
        } finally {
            e.closeStdin();
            outputs.close();
        }
        Instant at = Instant.now();
        if (e.life.exit(code, at))
            events.publish("/tasks/exit", TaskService.exitEvent(t.id, e.execId, e.pid(), code, at));
    }

    /** Sends {@code signo} to the running process {@code e}. */
    Empty kill(ShimTask t, ExecProcess e, int signo) {
        switch (e.life.status()) {
            case STOPPED ->
                throw TtrpcException.notFound("process " + e.execId + " of task " + t.id + " already finished");
            case CREATED -> throw TtrpcException.failedPrecondition("process " + e.execId + " has not been started");
            default -> {
                try {
                    e.session().signal(signo);
                } catch (IOException x) {
                    throw new TtrpcException(
                            TtrpcException.Code.UNKNOWN, "signal to " + e.execId + ": " + x.getMessage());
                }
            }
        }
        return Empty.getDefaultInstance();
    }

    /** Removes the process {@code e}, which must not be running. */
    DeleteResponse delete(ShimTask t, ExecProcess e) {
        if (e.life.status() == Status.RUNNING)
            throw TtrpcException.failedPrecondition(
                    "process " + e.execId + " of task " + t.id + " is running: kill it first");
        t.execs.remove(e.execId);
        if (e.session() != null) e.session().close();
        events.publish(
                "/tasks/delete",
                TaskDelete.newBuilder()
                        .setContainerId(t.id)
                        .setId(e.execId)
                        .setPid(e.pid())
                        .setExitStatus(e.life.exitStatus())
                        .setExitedAt(ContainerdProtos.timestamp(e.life.exitedAt()))
                        .build());
        return DeleteResponse.newBuilder()
                .setPid(e.pid())
                .setExitStatus(e.life.exitStatus())
                .setExitedAt(ContainerdProtos.timestamp(e.life.exitedAt()))
                .build();
    }

    /** A terminal's new size for the running process {@code e}, which must have one. */
    Empty resize(ShimTask t, ExecProcess e, int height, int width) {
        if (!e.request.tty())
            throw TtrpcException.failedPrecondition("process " + e.execId + " of task " + t.id + " has no terminal");
        ExecSession s = e.session();
        if (s == null || e.life.status() != Status.RUNNING)
            throw TtrpcException.failedPrecondition("process " + e.execId + " is " + e.life.describe());
        try {
            s.resize(height, width);
        } catch (IOException x) {
            throw new TtrpcException(TtrpcException.Code.UNKNOWN, "resize " + e.execId + ": " + x.getMessage());
        }
        return Empty.getDefaultInstance();
    }
}
