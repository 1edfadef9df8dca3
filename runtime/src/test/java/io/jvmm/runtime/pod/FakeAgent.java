package io.jvmm.runtime.pod;

import io.jvmm.agent.ContainerAttach;
import io.jvmm.agent.ContainerLimits;
import io.jvmm.agent.ContainerSpec;
import io.jvmm.agent.ContainerStatus;
import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecResult;
import io.jvmm.agent.ExecSession;
import io.jvmm.agent.GuestProcess;
import io.jvmm.runtime.EngineException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An agent that keeps containers in a map, as the guest's monitor would: a container whose program is
 * {@code unpreparable} cannot be created, a program named {@code missing} cannot be found (127), an init whose argv mentions {@code trap} ends with 0 on SIGTERM, any other
 * ignores it (a PID 1 without a handler), and SIGKILL ends it with 137. Each container has written
 * {@code "out of NAME\n"}.
 */
public final class FakeAgent implements Agent {
    final Map<String, ContainerSpec> specs = new LinkedHashMap<>();
    final Map<String, ContainerStatus> states = new LinkedHashMap<>();
    final List<String> calls = new ArrayList<>();
    final List<ExecRequest> execs = new ArrayList<>();

    @Override
    public String describe() {
        return "fake-agent";
    }

    @Override
    public synchronized void createContainer(ContainerSpec spec) {
        calls.add("create " + spec.id());
        if (spec.argv().getFirst().equals("unpreparable"))
            throw EngineException.runtime("create container " + spec.id() + ": refused");
        if (specs.containsKey(spec.id())) throw EngineException.runtime("create container " + spec.id() + ": exists");
        specs.put(spec.id(), spec);
        states.put(spec.id(), status(spec.id(), ContainerStatus.State.CREATED, 0));
    }

    @Override
    public synchronized long startContainer(String id) {
        calls.add("start " + id);
        if (specs.get(id).argv().getFirst().equals("missing")) {
            states.put(id, status(id, ContainerStatus.State.EXITED, 127));
            throw new EngineException(127, "start container " + id + ": missing: not found");
        }
        states.put(id, status(id, ContainerStatus.State.RUNNING, 0));
        notifyAll();
        return 42;
    }

    @Override
    public synchronized void signalContainer(String id, int signo) {
        calls.add("signal " + id + " " + signo);
        ContainerStatus s = known(id);
        if (s.state() != ContainerStatus.State.RUNNING) throw EngineException.runtime("not running: " + id);
        if (signo == 9) states.put(id, status(id, ContainerStatus.State.EXITED, 137));
        else if (signo == 15 && String.join(" ", specs.get(id).argv()).contains("trap"))
            states.put(id, status(id, ContainerStatus.State.EXITED, 0));
        notifyAll();
    }

    @Override
    public synchronized ContainerStatus containerStatus(String id) {
        return known(id);
    }

    private boolean closed;

    /** Blocks until the container has exited, as the guest's monitor answers; fails once the pod's VM is gone. */
    @Override
    public synchronized ContainerStatus awaitContainer(String id) {
        while (true) {
            if (closed) throw EngineException.runtime("the pod's VM is gone");
            ContainerStatus s = known(id);
            if (s.state() == ContainerStatus.State.EXITED) return s;
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw EngineException.runtime("interrupted");
            }
        }
    }

    /** The VM went away: waiters fail. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }

    /** What was asked of this agent, in order ({@code create ID}, {@code start ID}, {@code signal ID N}...). */
    public synchronized List<String> calls() {
        return List.copyOf(calls);
    }

    @Override
    public synchronized void deleteContainer(String id, boolean force) {
        calls.add("delete " + id + (force ? " force" : ""));
        known(id);
        specs.remove(id);
        states.remove(id);
        notifyAll();
    }

    /** Attaching is tested against the real agent (guest-agent's ContainerAgentTest, the Linux tests). */
    @Override
    public ContainerAttach attachContainer(String id) {
        known(id);
        throw EngineException.runtime("attach to container " + id + ": the fake agent has no terminals");
    }

    @Override
    public synchronized void containerLogs(String id, boolean follow, OutputStream stdout, OutputStream stderr) {
        known(id);
        try {
            stdout.write(("out of " + id + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Nothing is written after the call: the fake's containers have no live output. */
    @Override
    public synchronized void followNewOutput(String id, Runnable following, OutputStream stdout, OutputStream stderr) {
        known(id);
        following.run();
    }

    /** The limits each container was last given by an update. */
    final Map<String, ContainerLimits> updated = new LinkedHashMap<>();

    /** A copy of {@link #updated}, for tests in other packages. */
    public synchronized Map<String, ContainerLimits> updates() {
        return Map.copyOf(updated);
    }

    @Override
    public synchronized void updateContainer(String id, ContainerLimits limits) {
        if (known(id).state() == ContainerStatus.State.EXITED)
            throw EngineException.runtime("update of container " + id + ": container " + id + " is not running");
        updated.put(id, limits);
    }

    /** A running container has used 1.5 ms of CPU and 4 KiB of memory, and has 1 process; others have no figures. */
    @Override
    public synchronized Map<String, Long> containerStats(String id) {
        if (known(id).state() != ContainerStatus.State.RUNNING) return Map.of();
        return Map.of("cpu.usage_usec", 1500L, "memory.current", 4096L, "pids.current", 1L);
    }

    /** A container removed from the guest right after the next listing names it (a concurrent rm). */
    String removedAfterListing;

    /** How many times the containers were listed. */
    int listings;

    @Override
    public synchronized List<String> listContainers() {
        listings++;
        List<String> listed = List.copyOf(specs.keySet());
        if (removedAfterListing != null && specs.remove(removedAfterListing) != null) {
            states.remove(removedAfterListing);
            removedAfterListing = null;
        }
        return listed;
    }

    @Override
    public ExecSession start(ExecRequest req, OutputStream stdout, OutputStream stderr) {
        throw new UnsupportedOperationException("not used by these tests");
    }

    @Override
    public synchronized ExecResult run(ExecRequest req, byte[] stdin) {
        execs.add(req);
        return new ExecResult(0, 0, null, "ran\n".getBytes(StandardCharsets.UTF_8), null);
    }

    /** Files copied in, by container and path. */
    final Map<String, byte[]> files = new LinkedHashMap<>();

    @Override
    public synchronized long copyIn(InputStream data, String path, int mode, String container) {
        try {
            byte[] b = data.readAllBytes();
            files.put(container + ":" + path, b);
            return b.length;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public synchronized long copyOut(String path, OutputStream out, String container) {
        byte[] b = files.get(container + ":" + path);
        if (b == null) throw EngineException.runtime("copy from " + path + ": No such file or directory");
        try {
            out.write(b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.length;
    }

    /** A running container's one process, its program. */
    @Override
    public synchronized List<GuestProcess> ps(String container) {
        if (known(container).state() != ContainerStatus.State.RUNNING)
            throw EngineException.runtime("container " + container + " is not running");
        return List.of(new GuestProcess(
                1,
                0,
                0,
                "root",
                'S',
                4096,
                0,
                String.join(" ", specs.get(container).argv())));
    }

    private ContainerStatus known(String id) {
        ContainerStatus s = states.get(id);
        if (s == null) throw EngineException.runtime("no such container in the guest: " + id);
        return s;
    }

    private static ContainerStatus status(String id, ContainerStatus.State state, int code) {
        Instant now = Instant.now();
        return new ContainerStatus(
                id,
                state,
                state == ContainerStatus.State.RUNNING ? 42 : 0,
                code,
                code > 128 ? code - 128 : 0,
                false,
                now,
                state == ContainerStatus.State.CREATED ? null : now,
                state == ContainerStatus.State.EXITED ? now : null);
    }
}
