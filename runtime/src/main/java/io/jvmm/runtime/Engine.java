package io.jvmm.runtime;

import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import io.jvmm.runtime.state.VolumeStore;
import io.jvmm.runtime.vmproc.ControlClient;
import io.jvmm.runtime.vmproc.ControlProtocol;
import io.jvmm.runtime.vmproc.VmLaunch;
import io.jvmm.runtime.vmproc.VmRun;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
        String name = draft.name() != null ? draft.name() : "check";
        VmLaunch.sandboxConfig(draft.withName(name).withId("0".repeat(64)), dirs, kernel, null, null, null, null);
        return vms.create(draft);
    }

    /**
     * Starts {@code r} in a detached VM process and waits until its agent is ready ({@code readyTimeoutSeconds},
     * null: the default); with {@code restoreFrom} (not null) the process restores that snapshot instead of
     * booting. On failure the record is removed and the error says why.
     */
    public void start(VmRecord r, Integer readyTimeoutSeconds, Path restoreFrom) throws InterruptedException {
        VmLaunch.startDetached(entry, vms, dirs, r, readyTimeoutSeconds, restoreFrom);
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
            if (VmStore.processAlive(r)) {
                boolean exiting = s.status() == VmRecord.Status.EXITED;
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
