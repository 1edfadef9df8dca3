package io.jvmm.runtime.pod;

import io.jvmm.agent.ContainerMount;
import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecResult;
import io.jvmm.agent.ExecSession;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.image.ImageRoot;
import io.jvmm.runtime.image.ImageWorkload;
import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.runtime.state.ContainerStore;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A pod: one VM whose containers share its network and binds (virtcontainers' Pod API). A handle by id:
 * every call reads the current record. Created is not started; {@link #start} boots the VM and starts
 * the pod's containers ({@link #boot} only prepares them), {@link #stop} stops them and powers the VM off, {@link #delete} removes it.
 */
public final class Pod {
    private final Pods pods;
    private final String id;

    Pod(Pods pods, String id) {
        this.pods = pods;
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The pod's VM record, as stored now. */
    public VmRecord record() {
        return pods.vms.refresh(pods.vms.get(id));
    }

    public String name() {
        return record().name();
    }

    public boolean running() {
        return pods.hypervisor.running(record());
    }

    /**
     * Where the pod's guest sees host path {@code path}: inside one of the pod's binds, for a container's
     * bind mounts ({@link ContainerConfig#mounts}). A usage error when no bind holds it.
     */
    public String pathInPod(Path path) {
        return ContainerRoots.inPod(record(), path, "path");
    }

    /**
     * The container mount that puts what {@code m} names at its target: a host directory or file inside
     * one of the pod's binds, or one of the pod's own named volumes or drive files (bound from where the
     * pod mounts it). A usage error names what the pod does not have.
     */
    public ContainerMount containerMount(VmRecord.Mount m) {
        String at;
        if (m.bind()) {
            at = ContainerRoots.inPod(record(), Path.of(m.source()), "bind source");
        } else {
            at = record().volumes().stream()
                    .filter(v ->
                            !v.bind() && v.named() == m.named() && v.source().equals(m.source()))
                    .map(VmRecord.Mount::target)
                    .findFirst()
                    .orElseThrow(() -> EngineException.usage((m.named() ? "volume " : "drive file ") + m.source()
                            + " is not in pod " + name() + "; give it to the pod when it is created"));
        }
        try {
            return ContainerMount.bind(at, m.target(), m.readOnly());
        } catch (IllegalArgumentException e) {
            throw EngineException.usage("mount at " + m.target() + ": " + e.getMessage());
        }
    }

    /** Returns once the pod's VM no longer runs: stopped, powered off by its guest, or killed. */
    public void awaitStopped() throws InterruptedException {
        pods.hypervisor.awaitStopped(record());
    }

    /**
     * Boots the pod's VM (ready within {@code readyTimeoutSeconds}, null: the default) and creates and
     * starts its recorded containers, as {@code podman pod start} does. A container that cannot start is
     * recorded as exited with the error, the others go on, and the error names it.
     */
    public void start(Integer readyTimeoutSeconds) throws InterruptedException {
        List<String> failed = new ArrayList<>();
        for (Container c : bootAndPrepare(readyTimeoutSeconds, failed)) {
            try {
                c.start();
            } catch (EngineException e) {
                failed.add(e.getMessage());
            }
        }
        if (!failed.isEmpty())
            throw EngineException.runtime(
                    "pod " + name() + " started, but not all its containers: " + String.join("; ", failed));
    }

    /**
     * Boots the pod's VM (ready within {@code readyTimeoutSeconds}, null: the default) and prepares its
     * recorded containers in the guest without starting them: they are created, their programs wait for
     * {@link Container#start} (an OCI runtime's {@code create}). The error names the containers that could
     * not be prepared; the others are.
     */
    public void boot(Integer readyTimeoutSeconds) throws InterruptedException {
        List<String> failed = new ArrayList<>();
        bootAndPrepare(readyTimeoutSeconds, failed);
        if (!failed.isEmpty())
            throw EngineException.runtime("pod " + name() + " booted, but not all its containers were prepared: "
                    + String.join("; ", failed));
    }

    /** Boots the VM and prepares every recorded container; returns those prepared, adds the others' errors to {@code failed}. */
    private List<Container> bootAndPrepare(Integer readyTimeoutSeconds, List<String> failed)
            throws InterruptedException {
        VmRecord r = record();
        if (pods.hypervisor.running(r)) throw EngineException.runtime("pod " + r.name() + " is already running");
        pods.hypervisor.start(r, readyTimeoutSeconds);
        List<Container> prepared = new ArrayList<>();
        for (Container c : containers()) {
            try {
                c.createInGuest();
                prepared.add(c);
            } catch (EngineException e) {
                failed.add(e.getMessage());
            }
        }
        return prepared;
    }

    /**
     * Stops the pod: its running containers get SIGTERM, then SIGKILL after {@code graceSeconds}; their exit
     * statuses and output are kept; then the VM powers off. A pod that does not run is left as it is.
     */
    public void stop(int graceSeconds) throws InterruptedException {
        VmRecord r = record();
        if (!pods.hypervisor.running(r)) return;
        // As docker stops a paused container: its programs get their signals once the vCPUs run again.
        if (pods.hypervisor.paused(r)) pods.hypervisor.resume(r);
        // The agent is asked once which containers it has; each guest request counts in an emulated guest.
        Agent agent = pods.hypervisor.agent(r);
        List<String> inGuest = agent.listContainers();
        List<Container> running = new ArrayList<>();
        for (Container c : containers()) {
            if (c.status(agent, inGuest).state().status() == ContainerRecord.Status.RUNNING) running.add(c);
        }
        ContainerStop.all(agent, running, graceSeconds);
        for (Container c : containers()) c.keepLogs(agent, inGuest);
        pods.hypervisor.stop(r, 1);
        for (Container c : containers()) c.status(null, List.of()); // what ran is now exited
    }

    /**
     * Removes the pod, its containers and everything stored with them. A running pod is refused unless
     * {@code force}, which kills its VM.
     */
    public void delete(boolean force) {
        VmRecord r = record();
        if (pods.hypervisor.running(r) && !force)
            throw EngineException.runtime("pod " + r.name() + " is running; stop it first or remove it with force");
        pods.hypervisor.remove(r, force);
    }

    /**
     * The pod's state and its containers', from its agent while it runs; a paused pod's agent cannot answer,
     * so its containers are as last recorded.
     */
    public PodStatus status() throws InterruptedException {
        VmRecord r = record();
        boolean running = pods.hypervisor.running(r);
        boolean paused = running && pods.hypervisor.paused(r);
        Agent agent = running && !paused ? pods.hypervisor.agent(r) : null;
        List<String> inGuest = agent != null ? agent.listContainers() : List.of();
        List<ContainerRecord> cs = new ArrayList<>();
        for (Container c : containers()) {
            try {
                cs.add(paused ? c.record() : c.status(agent, inGuest));
            } catch (EngineException e) {
                if (pods.containers.find(id(), c.name()).isPresent()) throw e; // else removed meanwhile
            }
        }
        return new PodStatus(
                r.id(),
                r.name(),
                running ? VmRecord.Status.RUNNING : stoppedStatus(r),
                paused,
                running ? r.state().pid() : 0,
                r.state().startedAt(),
                pods.hypervisor.describe(),
                running ? pods.hypervisor.agent(r).describe() : "",
                cs);
    }

    /**
     * Creates a container in the pod: its root is placed where the guest reaches it and, when the pod runs,
     * the guest prepares it; nothing of it runs until {@link Container#start}. With an image root the
     * image is pulled when missing (progress on the {@link Pods}' stream).
     */
    public Container createContainer(ContainerConfig config) throws InterruptedException {
        VmRecord pod = record();
        if (config.name() != null) ContainerStore.checkName(config.name());
        ImageRoot image = null;
        ContainerRecord.Root root;
        switch (config.root()) {
            case ContainerConfig.Root.Image i -> {
                image = ImageRoot.resolve(pods.vms.dirs(), i.reference(), pods.progress);
                root = new ContainerRecord.Root(
                        "IMAGE", i.reference(), image.rootfs().toString(), "");
            }
            case ContainerConfig.Root.ImageFile f -> {
                Path file = f.file().toAbsolutePath().normalize();
                if (!Files.isRegularFile(file))
                    throw EngineException.usage("root image file " + file + ": no such file");
                root = new ContainerRecord.Root("IMAGE", file.toString(), file.toString(), "");
            }
            case ContainerConfig.Root.Directory d -> root = ContainerRoots.directory(pod, d.dir());
        }
        ImageWorkload w = ImageWorkload.of(
                image == null ? null : image.config(),
                new ImageWorkload.Options(
                        config.entrypoint(), config.command(), config.env(), config.workdir(), config.user()));
        if (w.argv().isEmpty())
            throw EngineException.usage("container: no command"
                    + (image != null ? ": image " + root.source() + " has no Entrypoint or Cmd; give a command" : ""));
        ContainerRecord draft = new ContainerRecord(
                null,
                config.name() == null ? "" : config.name(),
                id,
                null,
                root,
                w.argv(),
                w.env(),
                w.workdir(),
                w.user(),
                config.hostname(),
                config.tty(),
                config.stdin(),
                config.readOnlyRoot(),
                config.limits(),
                config.mounts(),
                config.security(),
                image == null ? null : image.record().name(),
                image == null ? null : image.record().id().toString(),
                config.labels(),
                null);
        Container.spec(draft.withIdentity("0", "check", id, null)); // the agent's own rules, before anything is stored
        ContainerRecord c = pods.containers.create(id, draft);
        try {
            if (root.kind().equals("IMAGE")) {
                ContainerRecord.Root placed =
                        pods.roots.placeImage(pod, c.name(), root.source(), Path.of(root.hostPath()));
                c = pods.containers.update(id, c.name(), x -> x.withRoot(placed));
            }
            Container created = new Container(this, c.name());
            if (pods.hypervisor.running(pod)) created.createInGuest();
            return created;
        } catch (RuntimeException | InterruptedException e) {
            pods.roots.release(pod, c.name());
            pods.containers.remove(id, c.name());
            throw e;
        }
    }

    /** The container {@code name} of this pod. */
    public Container container(String name) {
        pods.record(id, name);
        return new Container(this, name);
    }

    /** The pod's containers, oldest first. */
    public List<Container> containers() {
        return pods.containers.list(id).stream()
                .map(c -> new Container(this, c.name()))
                .toList();
    }

    /** Runs a program in the pod's own namespaces (EnterPod), to completion. */
    public ExecResult exec(ExecRequest req, byte[] stdin) throws InterruptedException {
        return agent().run(req, stdin);
    }

    /** Starts a program in the pod's own namespaces; its output streams to the sinks. */
    public ExecSession exec(ExecRequest req, OutputStream stdout, OutputStream stderr) throws InterruptedException {
        return agent().start(req, stdout, stderr);
    }

    /** A pod that does not run: created (never started) or exited. */
    private static VmRecord.Status stoppedStatus(VmRecord r) {
        VmRecord.Status s = VmStore.effectiveStatus(r);
        return s == VmRecord.Status.CREATED ? s : VmRecord.Status.EXITED;
    }

    Pods pods() {
        return pods;
    }

    /** The agent of the running pod; a runtime error when it does not run or is paused (it could not answer). */
    Agent agent() {
        VmRecord r = record();
        if (!pods.hypervisor.running(r)) throw EngineException.runtime("pod " + r.name() + " is not running");
        if (pods.hypervisor.paused(r))
            throw EngineException.runtime("pod " + r.name() + " is paused; unpause it first");
        return pods.hypervisor.agent(r);
    }
}
