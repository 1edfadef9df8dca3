package io.jvmm.cli;

import io.jvmm.runtime.DetachedJvm;
import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.Pods;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The hidden {@code jvmm __container-reaper ID}, started by {@code run --pod -d --rm}: it waits for the
 * container to exit (or its pod to stop) and then removes it, as docker's daemon does for {@code --rm}. It
 * outlives run in a session of its own, in a small JVM. A reaper that is killed leaves the container
 * exited, for {@code jvmm rm}.
 */
@Command(name = ContainerReaper.NAME, hidden = true, description = "Removes a container once it has exited.")
final class ContainerReaper implements Callable<Integer> {
    static final String NAME = "__container-reaper";

    /** A helper that waits on one socket most of its life needs no more heap or compiler than this. */
    private static final List<String> JVM_OPTIONS =
            List.of("-Xmx32m", "-Xss512k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:CICompilerCount=1");

    @Parameters(index = "0", paramLabel = "ID", description = "The container's id.")
    private String id;

    private final PrintStream err;

    ContainerReaper(PrintStream err) {
        this.err = err;
    }

    /** Starts the reaper of {@code c}; its output (why it failed, if it does) goes beside the pod's containers. */
    static void start(Engine engine, Container c) {
        DetachedJvm.start(Jvmm.ENTRY, JVM_OPTIONS, List.of(NAME, c.record().id()), log(engine, c));
    }

    private static Path log(Engine engine, Container c) {
        return engine.vms().dirs().podContainersDir(c.pod().id()).resolve(c.name() + ".reaper.log");
    }

    @Override
    public Integer call() throws InterruptedException {
        Engine engine = Jvmm.engine();
        Pods pods = engine.pods(err);
        Optional<Container> found = pods.findContainer(id);
        if (found.isEmpty()) return 0; // removed already
        Container c = found.get();
        Path log = log(engine, c);
        try {
            c.await();
        } catch (EngineException e) {
            // the pod stopped under it, or the container was removed: either way it has ended
        }
        Optional<Container> still = pods.findContainer(id);
        if (still.isPresent()) still.get().delete(true);
        try {
            Files.deleteIfExists(log);
        } catch (IOException e) {
            err.println("jvmm: " + log + ": " + e.getMessage());
        }
        return 0;
    }
}
