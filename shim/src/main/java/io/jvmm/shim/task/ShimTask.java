package io.jvmm.shim.task;

import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.Pod;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One task of this shim: its pod and container, the stdio containerd gave its init, the init's life, and
 * the extra processes (execs) added to it by id.
 */
final class ShimTask {
    final String id;
    final Path bundle;
    final Pod pod;
    final Container container;
    final String stdin;
    final String stdout;
    final String stderr;
    final int pid;
    final TaskIo io;
    final ProcessLife init = new ProcessLife();
    final Map<String, ExecProcess> execs = new ConcurrentHashMap<>();

    ShimTask(
            String id,
            Path bundle,
            Pod pod,
            Container container,
            String stdin,
            String stdout,
            String stderr,
            int pid,
            TaskIo io) {
        this.id = id;
        this.bundle = bundle;
        this.pod = pod;
        this.container = container;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.pid = pid;
        this.io = io;
    }
}
