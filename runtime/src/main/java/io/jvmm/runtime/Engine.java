package io.jvmm.runtime;

import io.jvmm.agent.GuestProcess;
import io.jvmm.runtime.pod.KvmHypervisor;
import io.jvmm.runtime.pod.Pods;
import io.jvmm.runtime.state.AutoRemoval;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import io.jvmm.runtime.state.VolumeStore;
import io.jvmm.runtime.vmproc.ControlClient;
import io.jvmm.runtime.vmproc.ControlProtocol;
import io.jvmm.runtime.vmproc.VmLaunch;
import io.jvmm.runtime.vmproc.VmProcessMain;
import io.jvmm.runtime.vmproc.VmRun;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The entry to the engine for a front-end: the life of stored VMs, each a {@link VmRecord} that a
 * front-end fills from its own input (flags, a config file, an API request). A VM is created (its
 * record stored), started (a detached VM process, or this process in the foreground), reached while it
 * runs ({@link #running}: control socket and agent), stopped and removed. Errors are one-line
 * {@link EngineException}s.
 */
public final class Engine {
    /** How long stop waits, beyond the workload's grace period, for unmounting and the reset. */
    public static final int STOP_MARGIN_SECONDS = 10;
    /** How long to wait for a killed process to disappear. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);
    /** How long an exited VM's process may still take to finish on its own before it is killed. */
    private static final Duration EXIT_GRACE = Duration.ofSeconds(2);

    private final EntryPoint entry;
    private final StateDirs dirs;
    private final VmStore vms;

    /** An engine over the state in {@code dirs} whose VM processes start at {@code entry}. */
    public Engine(EntryPoint entry, StateDirs dirs) {
        this.entry = entry;
        this.dirs = dirs;
        this.vms = new VmStore(dirs);
    }

    /** An engine over the state {@link StateDirs#fromEnvironment()} names. */
    public static Engine fromEnvironment(EntryPoint entry) {
        return new Engine(entry, StateDirs.fromEnvironment());
    }

    /**
     * An engine for a program that embeds jvmm without the CLI: the state {@link StateDirs#fromEnvironment()}
     * names, shared with the CLI, and VM processes started at {@link VmProcessMain} on this class path.
     */
    public static Engine embedded() {
        return fromEnvironment(EntryPoint.of(VmProcessMain.class));
    }

    public StateDirs dirs() {
        return dirs;
    }

    /** The VM records. */
    public VmStore vms() {
        return vms;
    }

    /** The named volumes. */
    public VolumeStore volumes() {
        return new VolumeStore(dirs, vms);
    }

    /**
     * Checks what {@code draft} describes (root image, volumes, ports, limits) against {@code kernel} and
     * stores it: the VM exists, created but not running.
     */
    public VmRecord create(VmRecord draft, Path kernel) {
        check(draft, kernel);
        return vms.create(draft);
    }

    /** Checks that {@code r} could be built with {@code kernel} (root, volumes, ports, limits), booting nothing. */
    public void check(VmRecord r, Path kernel) {
        String name = r.name() != null ? r.name() : "check";
        String id = r.id() != null ? r.id() : "0".repeat(64);
        VmLaunch.sandboxConfig(r.withName(name).withId(id), dirs, kernel, null, null, null, null, null);
    }

    /** The pods ({@link Pods}): VMs holding containers, run by this engine's VM processes. */
    public Pods pods(PrintStream progress) {
        return new Pods(vms, new KvmHypervisor(this), progress);
    }

    /**
     * Starts {@code r} in a detached VM process and waits until its agent is ready ({@code readyTimeoutSeconds},
     * null: the default); with {@code restoreFrom} (not null) the process restores that snapshot instead of
     * booting. On failure the record is removed and the error says why.
     */
    public void start(VmRecord r, Integer readyTimeoutSeconds, Path restoreFrom) throws InterruptedException {
        VmLaunch.startDetached(entry, vms, dirs, r, readyTimeoutSeconds, restoreFrom, false);
    }

    /**
     * Starts again the created or exited VM {@code ref} names, in a detached VM process, and waits until its
     * agent is ready; its logs go on where they were. A start that fails leaves the VM exited, with the error.
     */
    public VmRecord startExisting(String ref, Integer readyTimeoutSeconds) throws InterruptedException {
        VmRecord r = prepareStart(ref);
        VmLaunch.startDetached(entry, vms, dirs, r, readyTimeoutSeconds, null, true);
        return vms.get(r.id());
    }

    /**
     * The VM {@code ref} names, made ready to start again: it must not be running; its state goes back to
     * created. For {@link #startExisting} and a front-end that runs it in the foreground ({@link #runInForeground}).
     */
    public VmRecord prepareStart(String ref) {
        return vms.withLock(() -> {
            VmRecord r = vms.refresh(vms.resolve(ref));
            if (VmStore.effectiveStatus(r) == VmRecord.Status.RUNNING)
                throw EngineException.runtime("VM " + r.name() + " is already running");
            return vms.update(r.id(), x -> x.withState(VmRecord.State.created()));
        });
    }

    /** Stops the VM {@code ref} names if it runs ({@link #stop}), then starts it again ({@link #startExisting}). */
    public VmRecord restart(String ref, int graceSeconds, Integer readyTimeoutSeconds) throws InterruptedException {
        VmRecord r = vms.resolve(ref);
        stop(r, graceSeconds);
        // The VM process records the exit just before it ends: wait for that end, so the start sees it stopped.
        ProcessHandle.of(r.state().pid()).ifPresent(p -> p.onExit().join());
        return startExisting(r.id(), readyTimeoutSeconds);
    }

    /** Sends signal {@code signo} (1..64) to the workload of the running VM {@code ref} names. */
    public void kill(String ref, int signo) {
        RunningVm vm = running(ref);
        try {
            vm.control().request(ControlProtocol.KILL + " " + signo).close();
        } catch (IOException e) {
            throw EngineException.runtime("kill " + vm.record().name() + ": " + e.getMessage());
        }
    }

    /** Pauses ({@code true}) or resumes the vCPUs of the running VM {@code ref} names. */
    public void pause(String ref, boolean pause) {
        RunningVm vm = running(ref);
        try {
            vm.control()
                    .request(pause ? ControlProtocol.PAUSE : ControlProtocol.RESUME)
                    .close();
        } catch (IOException e) {
            throw EngineException.runtime(
                    (pause ? "pause " : "unpause ") + vm.record().name() + ": " + e.getMessage());
        }
    }

    /** Whether {@code r} runs and its VM process says it is paused. */
    public boolean paused(VmRecord r) {
        if (VmStore.effectiveStatus(r) != VmRecord.Status.RUNNING) return false;
        try {
            return new ControlClient(dirs.controlSocket(r.id())).status().equals("paused");
        } catch (IOException e) {
            return false;
        }
    }

    /** The processes in the guest of the running VM {@code ref} names, from its agent. */
    public List<GuestProcess> top(String ref) throws InterruptedException {
        RunningVm vm = running(ref);
        try {
            return vm.agent().ps();
        } catch (IOException e) {
            throw EngineException.runtime("top " + vm.record().name() + ": " + e.getMessage());
        }
    }

    /**
     * CPU and memory of each VM of {@code vms} that runs, over {@code interval} ({@link VmStats}); the others
     * are left out.
     */
    public List<VmStats> stats(List<VmRecord> vms, Duration interval) throws InterruptedException {
        return VmStats.sample(
                vms.stream()
                        .filter(r -> VmStore.effectiveStatus(r) == VmRecord.Status.RUNNING)
                        .toList(),
                interval);
    }

    /**
     * Waits until the VM {@code ref} names has exited (a created one: started and exited) and returns its
     * workload's exit status; a runtime error when it ended without one (or was removed first, {@code --rm}).
     */
    public int await(String ref) throws InterruptedException {
        VmRecord r = vms.resolve(ref);
        while (true) {
            VmRecord cur = vms.find(r.id())
                    .map(vms::refresh)
                    .orElseThrow(() ->
                            EngineException.runtime("VM " + r.name() + " was removed before its exit status was read"));
            VmRecord.State s = cur.state();
            if (s.status() == VmRecord.Status.EXITED) {
                if (s.exitCode() == null)
                    throw EngineException.runtime("VM " + r.name() + " ended without an exit status"
                            + (s.error() != null ? ": " + s.error() : ""));
                return s.exitCode();
            }
            Optional<ProcessHandle> p = VmStore.processAlive(cur) ? ProcessHandle.of(s.pid()) : Optional.empty();
            if (p.isPresent()) {
                try {
                    p.get().onExit().get(1, TimeUnit.SECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    // still running: look again
                }
            } else {
                Thread.sleep(100); // created, or starting: no process to wait on yet
            }
        }
    }

    /**
     * Runs {@code r} in this process until it ends and returns the workload's exit code; its output goes to
     * {@code out}/{@code err}, its input (when interactive) comes from {@code in}.
     */
    public int runInForeground(
            VmRecord r, Path kernel, Integer readyTimeoutSeconds, OutputStream out, InputStream in, PrintStream err)
            throws InterruptedException {
        return VmRun.foreground(vms, dirs, r, kernel, readyTimeoutSeconds, out, in, err);
    }

    /** The running VM {@code ref} names (name, id or unique id prefix); a runtime error when it is not running. */
    public RunningVm running(String ref) {
        VmRecord r = vms.resolve(ref);
        if (VmStore.effectiveStatus(r) != VmRecord.Status.RUNNING)
            throw EngineException.runtime("VM " + r.name() + " is not running");
        return new RunningVm(dirs, r);
    }

    /**
     * Stops {@code r} if it runs: its workload gets SIGTERM, then SIGKILL after {@code graceSeconds}; the VM
     * process is killed when the VM has not ended {@link #STOP_MARGIN_SECONDS} later.
     */
    public void stop(VmRecord r, int graceSeconds) throws InterruptedException {
        if (VmStore.effectiveStatus(r) != VmRecord.Status.RUNNING) return;
        Optional<ProcessHandle> p = ProcessHandle.of(r.state().pid());
        try {
            new ControlClient(dirs.controlSocket(r.id()))
                    .request(ControlProtocol.STOP + " " + graceSeconds * 1000L)
                    .close();
        } catch (IOException e) {
            // No control socket (the VM is still starting, or hung): the kill below does it.
        }
        if (p.isPresent()) {
            try {
                p.get().onExit().get(graceSeconds + STOP_MARGIN_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException | ExecutionException e) {
                p.get().destroyForcibly();
                p.get().onExit().join();
                vms.update(
                        r.id(),
                        x -> x.withState(x.state()
                                .exited(
                                        Instant.now(),
                                        137,
                                        "killed: the VM did not stop within " + (graceSeconds + STOP_MARGIN_SECONDS)
                                                + " s")));
            }
        }
        // --rm: a VM process that was killed (or died) could not remove its VM; we saw the end, we do.
        vms.find(r.id()).ifPresent(x -> AutoRemoval.ifProcessGone(vms, x));
    }

    /**
     * Deletes the VM {@code ref} names (record, logs, sockets). A running VM is refused unless {@code force},
     * which SIGKILLs its VM process and whatever that process started, and waits for them first. A VM whose
     * record cannot be read is found by its id on its process's command line, and also needs {@code force}.
     */
    public void remove(String ref, boolean force) {
        vms.withLock(() -> {
            VmRecord r;
            try {
                r = vms.resolve(ref);
            } catch (EngineException e) {
                VmStore.Broken b = vms.findBroken(ref).orElseThrow(() -> e);
                removeBroken(b, force);
                return null;
            }
            VmRecord.State s = r.state();
            ProcessInfo.Id vmProcess = new ProcessInfo.Id(s.pid(), s.pidStartTime());
            boolean exiting = s.status() == VmRecord.Status.EXITED;
            // An exited VM that ran in the foreground of this very process: nothing is left to end.
            boolean ranHere = exiting && vmProcess.equals(ProcessInfo.self());
            if (VmStore.processAlive(r) && !ranHere) {
                if (!exiting && !force) {
                    throw EngineException.runtime("VM " + r.name() + " is running; stop it first or use 'jvmm rm -f'");
                }
                // An exited VM's process may be finishing its logs: let it, briefly.
                if (exiting) ProcessInfo.waitForExit(vmProcess, EXIT_GRACE);
                if (!ProcessInfo.killTree(vmProcess, KILL_WAIT)) {
                    throw EngineException.runtime("cannot kill the VM process of " + r.name() + " (pid " + s.pid()
                            + "); nothing was removed");
                }
            }
            vms.remove(r.id());
            return null;
        });
    }

    private void removeBroken(VmStore.Broken b, boolean force) {
        if (!force) {
            throw EngineException.runtime("VM " + b.shortId() + " has a broken record (" + b.problem()
                    + "); remove it with 'jvmm rm -f " + b.shortId() + "' (its VM process, if one runs, is killed)");
        }
        for (ProcessInfo.Id p : ProcessInfo.withArguments(EntryPoint.VM_PROCESS, b.id())) {
            if (!ProcessInfo.killTree(p, KILL_WAIT)) {
                throw EngineException.runtime(
                        "cannot kill the VM process of " + b.shortId() + " (pid " + p.pid() + "); nothing was removed");
            }
        }
        vms.remove(b.id());
    }
}
