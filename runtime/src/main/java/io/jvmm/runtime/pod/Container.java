package io.jvmm.runtime.pod;

import io.jvmm.agent.ContainerAttach;
import io.jvmm.agent.ContainerLimits;
import io.jvmm.agent.ContainerRoot;
import io.jvmm.agent.ContainerSpec;
import io.jvmm.agent.ContainerStatus;
import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecResult;
import io.jvmm.agent.ExecSession;
import io.jvmm.agent.GuestProcess;
import io.jvmm.files.FileTrees;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A container of a pod (virtcontainers' Container API). A handle by name: every call reads the current
 * record and, while the pod runs, asks its agent. Its output is kept in the guest while the pod runs
 * and on the host ({@code containers/NAME.stdout}, {@code .stderr}) once the guest lets it go.
 */
public final class Container {
    private final Pod pod;
    private final String name;

    Container(Pod pod, String name) {
        this.pod = pod;
        this.name = name;
    }

    public String name() {
        return name;
    }

    public Pod pod() {
        return pod;
    }

    /** The stored record, as last seen ({@link #status} asks the agent). */
    public ContainerRecord record() {
        return pod.pods().record(pod.id(), name);
    }

    /**
     * Runs the container's program. An exited container is prepared again first (as {@code docker start});
     * the pod must run. A program that cannot run or is not found ends it with 126 or 127, and the error
     * carries that status.
     */
    public void start() throws InterruptedException {
        Agent agent = pod.agent();
        if (agent.listContainers().contains(name)) {
            ContainerStatus s = agent.containerStatus(name);
            if (s.state() == ContainerStatus.State.RUNNING)
                throw EngineException.runtime("container " + name + " is already running");
            if (s.state() == ContainerStatus.State.EXITED) {
                keepLogs();
                agent.deleteContainer(name, false);
                createInGuest();
            }
        } else {
            createInGuest();
        }
        try {
            agent.startContainer(name);
        } catch (EngineException e) {
            // 126/127 are the program's status (cannot run, not found); any other failure has none.
            Integer code = e.status() == 126 || e.status() == 127 ? e.status() : null;
            update(c -> c.state().running(Instant.now()).exited(Instant.now(), code, false, e.getMessage()));
            throw e;
        }
        update(c -> c.state().running(Instant.now()));
    }

    /** Sends signal {@code signo} (1..64) to the container's init. */
    public void kill(int signo) throws InterruptedException {
        if (signo < 1 || signo > 64) throw EngineException.usage("signal number out of range 1..64: " + signo);
        pod.agent().signalContainer(name, signo);
    }

    /** SIGTERM, then SIGKILL after {@code graceSeconds}; returns once it has exited. */
    public void stop(int graceSeconds) throws InterruptedException {
        if (status().state().status() != ContainerRecord.Status.RUNNING) return;
        ContainerStop.all(pod.agent(), List.of(this), graceSeconds);
    }

    /** Waits until the container has exited and returns its exit status. */
    public int await() throws InterruptedException {
        if (pod.running() && pod.agent().listContainers().contains(name)) {
            return record(pod.agent().awaitContainer(name)).state().exitCode();
        }
        ContainerRecord.State s = status().state();
        if (s.status() == ContainerRecord.Status.EXITED && s.exitCode() != null) return s.exitCode();
        throw EngineException.runtime("container " + name
                + (s.status() == ContainerRecord.Status.CREATED
                        ? " has not been started"
                        : " ended without an exit status (its pod stopped)"));
    }

    /**
     * Removes the container: from the guest when its pod runs (a running one only with {@code force},
     * killed), then its root in the pod's share, its kept output and its record.
     */
    public void delete(boolean force) throws InterruptedException {
        ContainerRecord c = record();
        if (pod.running()) {
            Agent agent = pod.agent();
            if (agent.listContainers().contains(name)) {
                if (!force && agent.containerStatus(name).state() == ContainerStatus.State.RUNNING)
                    throw EngineException.runtime(
                            "container " + name + " is running; stop it first or remove it with force");
                agent.deleteContainer(name, force);
            }
        }
        pod.pods().roots.release(pod.record(), c.name());
        FileTrees.deleteQuietly(keptLog("stdout"));
        FileTrees.deleteQuietly(keptLog("stderr"));
        pod.pods().containers.remove(pod.id(), name);
    }

    /**
     * The container's record with its state as the agent sees it now (stored); a stopped pod's containers
     * have exited; a paused pod's are as last recorded.
     */
    public ContainerRecord status() throws InterruptedException {
        // One look at the VM: whether it runs and is paused is asked once, not again by Pod.agent().
        VmRecord r = pod.record();
        Hypervisor hv = pod.pods().hypervisor;
        if (!hv.running(r)) return status(null, List.of());
        if (hv.paused(r)) return record(); // its agent cannot answer
        Agent agent = hv.agent(r);
        return status(agent, agent.listContainers());
    }

    /**
     * {@link #status()} with what the running pod's agent was asked once for all its containers: the agent
     * and the ids it has ({@code null} and none when the pod does not run).
     */
    ContainerRecord status(Agent agent, List<String> inGuest) throws InterruptedException {
        if (agent != null && inGuest.contains(name)) {
            try {
                return record(agent.containerStatus(name));
            } catch (EngineException e) {
                // removed from the guest since it was listed (a concurrent rm, a --rm reaper): the record says the rest
                if (agent.listContainers().contains(name)) throw e;
            }
        }
        ContainerRecord c = record();
        if (c.state().status() != ContainerRecord.Status.RUNNING) return c;
        return update(x -> x.state().exited(Instant.now(), null, false, "its pod stopped"));
    }

    /**
     * Copies the container's output to the sinks: what was kept on the host, then, while the pod runs, the
     * guest's; with {@code follow}, until the container exits.
     */
    public void logs(boolean follow, OutputStream stdout, OutputStream stderr) throws InterruptedException {
        copyKept("stdout", stdout);
        copyKept("stderr", stderr);
        if (pod.running() && pod.agent().listContainers().contains(name))
            pod.agent().containerLogs(name, follow, stdout, stderr);
    }

    /**
     * Copies the output the container writes from now on, until it exits: what {@code docker attach}
     * shows. {@code following} runs once "now" is fixed: input sent after it has all its output here.
     */
    public void followNewOutput(Runnable following, OutputStream stdout, OutputStream stderr)
            throws InterruptedException {
        pod.agent().followNewOutput(name, following, stdout, stderr);
    }

    /**
     * Attaches to the init's input: its terminal (with {@code tty}, which also takes the size) or its stdin
     * pipe (with {@code stdin}). The output is {@link #logs}. One at a time; closing it detaches.
     */
    public ContainerAttach attach() throws InterruptedException {
        return pod.agent().attachContainer(name);
    }

    /**
     * New cgroup limits, all of them (0: unlimited), as {@code docker update}: a created or running
     * container gets them in the guest at once, and every later start uses them. A memory limit above
     * the pod's memory cannot be honoured (the VM does not grow) and is refused.
     */
    public void update(ContainerLimits limits) throws InterruptedException {
        long podBytes = (long) pod.record().memoryMib() << 20;
        if (limits.memoryBytes() > podBytes)
            throw EngineException.usage("container " + name + ": memory limit " + limits.memoryBytes()
                    + " bytes is more than its pod's " + pod.record().memoryMib()
                    + " MiB; a running VM's memory cannot grow");
        if (pod.running()) {
            Agent agent = pod.agent();
            if (agent.listContainers().contains(name)
                    && agent.containerStatus(name).state() != ContainerStatus.State.EXITED)
                agent.updateContainer(name, limits);
        }
        pod.pods().containers.update(pod.id(), name, c -> c.withLimits(limits));
    }

    /** The container's cgroup figures by key ({@code cpu.usage_usec}, {@code memory.current}...); the pod must run. */
    public Map<String, Long> stats() throws InterruptedException {
        return pod.agent().containerStats(name);
    }

    /**
     * Runs a program in the container's namespaces (EnterContainer), to completion. Without security of
     * its own it gets the container's (capabilities, limits...), as {@code docker exec} does.
     */
    public ExecResult exec(ExecRequest req, byte[] stdin) throws InterruptedException {
        return pod.agent().run(entering(req), stdin);
    }

    /** Starts a program in the container's namespaces, as {@link #exec(ExecRequest, byte[])}; its output streams to the sinks. */
    public ExecSession exec(ExecRequest req, OutputStream stdout, OutputStream stderr) throws InterruptedException {
        return pod.agent().start(entering(req), stdout, stderr);
    }

    private ExecRequest entering(ExecRequest req) {
        ExecRequest in = req.inContainer(name);
        return in.security().changesNothing() ? in.withSecurity(record().security()) : in;
    }

    /** The processes running in the container (docker top): its init and its execs, with the guest's pids. */
    public List<GuestProcess> top() throws InterruptedException {
        return pod.agent().ps(name);
    }

    /** Writes {@code data} to the file {@code path} in the container's root (docker cp); returns the bytes. */
    public long copyIn(InputStream data, String path, int mode) throws InterruptedException {
        return pod.agent().copyIn(data, path, mode, name);
    }

    /** Copies the regular file {@code path} of the container's root to {@code out}; returns the bytes. */
    public long copyOut(String path, OutputStream out) throws InterruptedException {
        return pod.agent().copyOut(path, out, name);
    }

    /** Prepares the container in the running pod's guest. */
    void createInGuest() throws InterruptedException {
        pod.agent().createContainer(spec(record()));
    }

    /** Appends the guest's output of the container to the kept files on the host, before the guest lets it go. */
    void keepLogs() throws InterruptedException {
        if (!pod.running()) return;
        Agent agent = pod.agent();
        keepLogs(agent, agent.listContainers());
    }

    /** {@link #keepLogs()} with the running pod's agent and the ids it has, asked once for all containers. */
    void keepLogs(Agent agent, List<String> inGuest) throws InterruptedException {
        if (!inGuest.contains(name)) return;
        try (OutputStream out =
                        Files.newOutputStream(keptLog("stdout"), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                OutputStream err = Files.newOutputStream(
                        keptLog("stderr"), StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
            agent.containerLogs(name, false, out, err);
        } catch (IOException e) {
            throw EngineException.runtime("cannot keep the output of container " + name + ": " + StateDirs.describe(e));
        }
    }

    /** Stores what the agent says of the container; returns the stored record. */
    ContainerRecord record(ContainerStatus s) {
        return update(c -> switch (s.state()) {
            case CREATED ->
                c.state().status() == ContainerRecord.Status.CREATED ? c.state() : ContainerRecord.State.created();
            case RUNNING ->
                c.state().status() == ContainerRecord.Status.RUNNING
                        ? c.state()
                        : c.state().running(s.started() != null ? s.started() : Instant.now());
            case EXITED ->
                new ContainerRecord.State(
                        ContainerRecord.Status.EXITED,
                        s.started() != null ? s.started() : c.state().startedAt(),
                        s.exited() != null ? s.exited() : Instant.now(),
                        s.exitCode(),
                        s.oomKilled(),
                        c.state().error());
        });
    }

    /** The agent's description of a container recorded as {@code c}. */
    static ContainerSpec spec(ContainerRecord c) {
        ContainerRoot root = c.root().kind().equals("IMAGE")
                ? ContainerRoot.image(
                        c.root().guestPath().isEmpty() ? "/" : c.root().guestPath())
                : ContainerRoot.directory(c.root().guestPath());
        try {
            return ContainerSpec.builder(c.name(), root)
                    .command(c.command())
                    .env(c.env())
                    .cwd(c.workdir())
                    .user(c.user())
                    .hostname(c.hostname().isEmpty() ? c.name() : c.hostname())
                    .readOnlyRoot(c.readOnlyRoot())
                    .tty(c.tty(), c.tty() ? 24 : 0, c.tty() ? 80 : 0)
                    .stdin(c.stdin())
                    .limits(c.limits())
                    .mounts(c.mounts())
                    .security(c.security())
                    .build();
        } catch (IllegalArgumentException e) {
            throw EngineException.usage("container " + c.name() + ": " + e.getMessage());
        }
    }

    private ContainerRecord update(Function<ContainerRecord, ContainerRecord.State> state) {
        return pod.pods().containers.update(pod.id(), name, c -> c.withState(state.apply(c)));
    }

    private Path keptLog(String stream) {
        return pod.pods().vms.dirs().podContainersDir(pod.id()).resolve(name + "." + stream);
    }

    private void copyKept(String stream, OutputStream sink) {
        Path f = keptLog(stream);
        if (!Files.exists(f)) return;
        try (InputStream in = Files.newInputStream(f)) {
            in.transferTo(sink);
        } catch (IOException e) {
            throw EngineException.runtime("cannot read the output of container " + name + ": " + StateDirs.describe(e));
        }
    }
}
