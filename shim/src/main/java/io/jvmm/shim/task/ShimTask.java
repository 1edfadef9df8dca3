package io.jvmm.shim.task;

import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecSession;
import io.jvmm.runc.LifecycleHooks;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.Pod;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One task of this shim: its pod and container, the stdio containerd gave its init, the init's life, and
 * the extra processes (execs) added to it by id. A Kubernetes sandbox has no container: its init is the
 * pod's VM. A member of a sandbox holds a container in the sandbox's pod and does not own the pod.
 */
final class ShimTask {
    final String id;
    final CriRole role;
    final Path bundle;
    final Pod pod;
    final Container container;
    final String stdin;
    final String stdout;
    final String stderr;
    final int pid;
    final TaskIo io;
    /** The init's input (its stdin FIFO, its terminal's size), or null when it has neither stdin nor terminal. */
    final InitInput input;
    /** config.json's hooks, run at start and delete (create has run its own). */
    final LifecycleHooks hooks;

    final ProcessLife init = new ProcessLife();
    final Map<String, ExecProcess> execs = new ConcurrentHashMap<>();
    /** The signal a Kill sent to a sandbox, whose VM then stops; 0 until then. */
    volatile int stopSignal;

    ShimTask(
            String id,
            CriRole role,
            Path bundle,
            Pod pod,
            Container container,
            String stdin,
            String stdout,
            String stderr,
            int pid,
            TaskIo io,
            InitInput input,
            LifecycleHooks hooks) {
        this.id = id;
        this.role = role;
        this.bundle = bundle;
        this.pod = pod;
        this.container = container;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.pid = pid;
        this.io = io;
        this.input = input;
        this.hooks = hooks;
    }

    /** Whether the task's pod is its own, to stop and remove with it (not a member's sandbox pod). */
    boolean ownsPod() {
        return !role.member();
    }

    /** Starts a program in the task's container, or in the pod's own namespaces for a sandbox. */
    ExecSession exec(ExecRequest request, OutputStream stdout, OutputStream stderr) throws InterruptedException {
        return container != null ? container.exec(request, stdout, stderr) : pod.exec(request, stdout, stderr);
    }
}
