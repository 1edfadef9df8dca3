package io.jvmm.cli.runc;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.jvmm.files.AtomicFiles;
import io.jvmm.runc.BundleTranslator;
import io.jvmm.runc.HookState;
import io.jvmm.runc.LifecycleHooks;
import io.jvmm.runc.OciHooks;
import io.jvmm.runtime.Engine;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.pod.Pods;
import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.StateJson;
import io.jvmm.runtime.state.VmRecord;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The OCI containers of one {@code --root}: each is a pod named after its id and labelled with its bundle
 * ({@link BundleTranslator}), holding one container; what runc keeps beside it (the waiter, the
 * annotations) is {@code runc.json} in the pod's data directory, so it goes with the pod.
 */
final class OciContainers {
    /** What jvmm-runc keeps of a container beside its pod; the hooks, for start and delete to run theirs. */
    record Extra(
            long waiterPid,
            long waiterStartTime,
            String rootfs,
            String owner,
            Map<String, String> annotations,
            OciHooks hooks) {
        Extra {
            annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
            if (hooks == null) hooks = OciHooks.NONE;
        }
    }

    private final Engine engine;
    private final Pods pods;

    OciContainers(Engine engine) {
        this.engine = engine;
        this.pods = engine.pods(new PrintStream(OutputStream.nullOutputStream()));
    }

    Engine engine() {
        return engine;
    }

    Pods pods() {
        return pods;
    }

    /** The pod of container {@code id}: a pod of that exact name made by jvmm-runc. */
    Optional<Pod> find(String id) {
        return all().stream().filter(p -> p.name().equals(id)).findFirst();
    }

    /** The pod of container {@code id}; runc's error when there is none. */
    Pod get(String id) {
        return find(id).orElseThrow(() -> RuncException.notExist(id));
    }

    /** Every container of this root, oldest first. */
    List<Pod> all() {
        return pods.list().stream()
                .filter(p -> p.record().labels().containsKey(BundleTranslator.BUNDLE_LABEL))
                .toList();
    }

    /** The pod's one container. */
    static Container container(Pod pod) {
        List<Container> cs = pod.containers();
        if (cs.isEmpty()) throw RuncException.notExist(pod.name());
        return cs.getFirst();
    }

    /** The host directory of container {@code id}'s file binds ({@link io.jvmm.runc.FileBindShare}). */
    Path fileShareDir(String id) {
        return engine.dirs().runtimeDir().resolve("runc-files").resolve(id);
    }

    Path extraFile(Pod pod) {
        return engine.dirs().vmDataDir(pod.id()).resolve("runc.json");
    }

    void writeExtra(Pod pod, Extra extra) {
        try {
            AtomicFiles.replace(extraFile(pod), StateJson.mapper().writeValueAsBytes(extra));
        } catch (IOException e) {
            throw new RuncException("cannot record container " + pod.name() + ": " + StateDirs.describe(e));
        }
    }

    /** What was recorded at create; an empty record when create did not get that far. */
    Extra extra(Pod pod) {
        Path f = extraFile(pod);
        if (!Files.exists(f)) return new Extra(0, 0, "", "", Map.of(), OciHooks.NONE);
        try {
            return StateJson.mapper().readValue(Files.readAllBytes(f), Extra.class);
        } catch (JsonProcessingException e) {
            throw new RuncException("cannot read " + f + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new RuncException("cannot read " + f + ": " + StateDirs.describe(e));
        }
    }

    /**
     * Writes an exec's process spec where its waiter reads it (the pod's data directory, readable by the
     * owner alone: the environment may hold secrets); returns the file.
     */
    Path writeExecSpec(Pod pod, byte[] json) {
        try {
            Path f = Files.createTempFile(
                    engine.dirs().vmDataDir(pod.id()),
                    "runc-exec-",
                    ".json",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(f, json);
            return f;
        } catch (IOException e) {
            throw new RuncException("cannot write the exec's process spec: " + StateDirs.describe(e));
        }
    }

    private Path execWaitersDir(Pod pod) {
        return engine.dirs().vmDataDir(pod.id()).resolve("runc-execs");
    }

    /** Records the waiter of a detached exec in {@code pod}, for {@code ps}. */
    void recordExecWaiter(Pod pod, ProcessInfo.Id waiter) {
        try {
            Files.createDirectories(execWaitersDir(pod));
            Files.write(execWaitersDir(pod).resolve(waiter.pid() + "." + waiter.startTime()), new byte[0]);
        } catch (IOException e) {
            throw new RuncException("cannot record the exec's waiter: " + StateDirs.describe(e));
        }
    }

    /** The waiters of detached execs in {@code pod} that still run; the records of the others go. */
    List<ProcessInfo.Id> execWaiters(Pod pod) {
        Path dir = execWaitersDir(pod);
        if (!Files.isDirectory(dir)) return List.of();
        List<ProcessInfo.Id> alive = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.sorted().toList()) {
                String[] parts = f.getFileName().toString().split("\\.");
                ProcessInfo.Id id = parts.length == 2 && parts[0].matches("[0-9]+") && parts[1].matches("[0-9]+")
                        ? new ProcessInfo.Id(Long.parseLong(parts[0]), Long.parseLong(parts[1]))
                        : null;
                if (id != null && ProcessInfo.isAlive(id)) alive.add(id);
                else Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new RuncException("cannot read the exec waiters of " + pod.name() + ": " + StateDirs.describe(e));
        }
        return alive;
    }

    /** Whether the waiter recorded for {@code pod} still runs. */
    static boolean waiterAlive(Extra e) {
        return e.waiterPid() > 0 && ProcessInfo.isAlive(new ProcessInfo.Id(e.waiterPid(), e.waiterStartTime()));
    }

    /** The hooks of {@code pod}'s container, with its state: the pid is its waiter's. */
    LifecycleHooks hooks(Pod pod, Extra e) {
        return new LifecycleHooks(
                e.hooks(),
                new HookState(
                        pod.name(),
                        "created",
                        e.waiterPid(),
                        pod.record().labels().get(BundleTranslator.BUNDLE_LABEL),
                        e.annotations()));
    }

    /** The container's state as runc reports it. */
    OciState state(Pod pod) throws InterruptedException {
        VmRecord r = pod.record();
        boolean running = pod.running();
        boolean paused = running && engine.paused(r);
        // A paused VM's agent cannot answer: its container is as last recorded.
        ContainerRecord c = paused ? container(pod).record() : container(pod).status();
        String status = OciState.status(running, paused, c.state().status());
        Extra e = extra(pod);
        long pid = !status.equals("stopped") && waiterAlive(e) ? e.waiterPid() : 0;
        return new OciState(
                pod.name(),
                status,
                pid,
                r.labels().get(BundleTranslator.BUNDLE_LABEL),
                e.rootfs(),
                r.created(),
                e.owner(),
                e.annotations());
    }
}
