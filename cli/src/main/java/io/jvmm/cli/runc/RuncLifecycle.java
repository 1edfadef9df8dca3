package io.jvmm.cli.runc;

import io.jvmm.runc.FileBindShare;
import io.jvmm.runc.HookException;
import io.jvmm.runc.LifecycleHooks;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.state.VmStore;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code runc start}, {@code kill} and {@code delete}: what changes a container's state, with runc's rules and errors. */
final class RuncLifecycle {
    private RuncLifecycle() {}

    @Command(name = "start", description = "Run the program of a created container.")
    static final class Start extends RuncSubcommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        Start(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        int run(OciContainers containers, RuncLog log) throws InterruptedException {
            Pod pod = containers.get(id);
            String status = containers.state(pod).status();
            switch (status) {
                case "created" -> start(containers, pod, log);
                case "stopped" -> throw new RuncException("cannot start a container that has stopped");
                case "running" -> throw new RuncException("cannot start an already running container");
                default -> throw new RuncException("cannot start a container in the " + status + " state");
            }
            return 0;
        }
    }

    /**
     * The container's startContainer hooks in its namespaces (in the guest), its program, then its poststart
     * hooks on the host. A failed startContainer hook stops the container (delete follows, as in the spec);
     * a failed poststart hook is a warning.
     */
    private static void start(OciContainers containers, Pod pod, RuncLog log) throws InterruptedException {
        LifecycleHooks hooks = containers.hooks(pod, containers.extra(pod));
        Container c = OciContainers.container(pod);
        try {
            hooks.beforeStart(c);
        } catch (HookException failed) {
            pod.stop(0);
            throw failed;
        }
        c.start();
        hooks.afterStart().forEach(log::warning);
    }

    @Command(name = "kill", description = "Send a signal (default TERM) to a container's init.")
    static final class Kill extends RuncSubcommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        @Parameters(
                index = "1",
                arity = "0..1",
                paramLabel = "SIGNAL",
                description = "A name (TERM, SIGKILL) or number.")
        String signal = "TERM";

        @Option(
                names = {"-a", "--all"},
                description = "Every process of the container: its init's namespace ends with it anyway.")
        boolean all;

        Kill(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        int run(OciContainers containers, RuncLog log) throws InterruptedException {
            int signo = Signals.number(signal);
            Pod pod = containers.get(id);
            switch (containers.state(pod).status()) {
                case "running", "paused" -> OciContainers.container(pod).kill(signo);
                // A created container's init waits for start and has no handler: any signal ends it,
                // and with it the container, so its VM goes.
                case "created" -> pod.stop(0);
                default -> throw new RuncException("container not running");
            }
            return 0;
        }
    }

    @Command(name = "delete", description = "Remove a container (a running one only with --force): its VM and state.")
    static final class Delete extends RuncSubcommand {
        @Option(
                names = {"-f", "--force"},
                description = "Kill it first if it runs; no error when it does not exist.")
        boolean force;

        @Parameters(index = "0", paramLabel = "ID")
        String id;

        Delete(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        int run(OciContainers containers, RuncLog log) throws InterruptedException {
            Optional<Pod> found = containers.find(id);
            if (found.isEmpty()) {
                if (!force) throw RuncException.notExist(id);
                // What a create that died before its pod existed may have left (a valid id only: it names a path).
                if (VmStore.NAME.matcher(id).matches()) FileBindShare.remove(containers.fileShareDir(id));
                return 0;
            }
            Pod pod = found.get();
            String status = containers.state(pod).status();
            if (!force && (status.equals("running") || status.equals("paused")))
                throw new RuncException("cannot delete container " + id + " that is not stopped: " + status);
            OciContainers.Extra extra = containers.extra(pod);
            LifecycleHooks hooks = containers.hooks(pod, extra);
            List<ProcessInfo.Id> execs = containers.execWaiters(pod);
            pod.delete(true);
            FileBindShare.remove(containers.fileShareDir(id));
            if (OciContainers.waiterAlive(extra))
                RuncWaiter.kill(new ProcessInfo.Id(extra.waiterPid(), extra.waiterStartTime()));
            // The VM took their processes with it; their waiters may still be on their way out.
            execs.forEach(RuncWaiter::kill);
            hooks.afterDelete().forEach(log::warning);
            return 0;
        }
    }

    /** {@code runc pause} and {@code resume}: the container's VM's vCPUs stopped and restarted (the guest does not notice). */
    abstract static class PauseOrResume extends RuncSubcommand {
        @Parameters(index = "0", paramLabel = "ID")
        String id;

        PauseOrResume(PrintStream out, PrintStream err) {
            super(out, err);
        }

        abstract boolean pause();

        @Override
        int run(OciContainers containers, RuncLog log) throws InterruptedException {
            Pod pod = containers.get(id);
            String status = containers.state(pod).status();
            if (pause() && !status.equals("running") && !status.equals("created"))
                throw new RuncException("container not running");
            if (!pause() && !status.equals("paused")) throw new RuncException("container not paused");
            containers.engine().pause(pod.id(), pause());
            return 0;
        }
    }

    @Command(name = "pause", description = "Pause a container: its VM's vCPUs stop.")
    static final class Pause extends PauseOrResume {
        Pause(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        boolean pause() {
            return true;
        }
    }

    @Command(name = "resume", description = "Resume a paused container.")
    static final class Resume extends PauseOrResume {
        Resume(PrintStream out, PrintStream err) {
            super(out, err);
        }

        @Override
        boolean pause() {
            return false;
        }
    }
}
