package io.jvmm.cli;

import io.jvmm.core.ConfigException;
import io.jvmm.core.Vm;
import io.jvmm.core.VmConfig;
import io.jvmm.core.VmExit;
import io.jvmm.kvm.Kvm;
import io.jvmm.loader.LoaderException;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import io.jvmm.core.snapshot.MachineState;
import io.jvmm.core.snapshot.SnapshotException;
import java.nio.file.Path;

/**
 * Runs one VM from creation to exit: the only class of the CLI that touches {@link Vm}. Ctrl-C and
 * SIGTERM stop the VM through a shutdown hook; the JVM then exits with 130 or 143 by itself.
 */
final class VmSession {
    /** How long a signal waits for the VM to close before the JVM exits anyway. */
    private static final long STOP_GRACE_MILLIS = 2000;

    private VmSession() {}

    /**
     * Snapshot options of {@code jvmm boot}: restore from {@code restoreDir}, whose state the
     * caller has read ({@code restoreState}); write a snapshot to {@code snapshotDir} on SIGUSR1
     * ({@code onSignal}) or when {@code marker} appears on the console (seen by {@code tap}), then exit.
     */
    record Snapshots(Path restoreDir, MachineState restoreState, Path snapshotDir, boolean onSignal, MarkerTap tap) {
        static final Snapshots NONE = new Snapshots(null, null, null, false, null);
    }

    /** Boots {@code config} and returns the process exit status from {@link VmExit#exitStatus()}. */
    static int run(VmConfig config, PrintStream err) { return run(config, err, Snapshots.NONE, null); }

    /** As above; {@code beforeStart} (null: nothing) runs once the VM is built, before the guest runs. */
    static int run(VmConfig config, PrintStream err, Snapshots snapshots, Runnable beforeStart) {
        if (!Kvm.isAvailable()) {
            String cause = String.valueOf(Kvm.unavailabilityCause());
            throw CliException.runtime(cause.startsWith("/dev/kvm") ? cause : "/dev/kvm: " + cause);
        }
        Vm vm = snapshots.restoreDir() != null ? restore(snapshots, config) : create(config);
        AtomicInteger snapshotStatus = new AtomicInteger(-1);
        if (snapshots.snapshotDir() != null) {
            Runnable take = () -> Thread.ofPlatform().name("jvmm-snapshot").start(() ->
                    snapshotAndStop(vm, snapshots.snapshotDir(), err, snapshotStatus));
            if (snapshots.onSignal()) sun.misc.Signal.handle(new sun.misc.Signal("USR1"), sig -> take.run());
            if (snapshots.tap() != null) snapshots.tap().onMatch(take);
        }
        AtomicBoolean signalled = new AtomicBoolean();
        CountDownLatch closed = new CountDownLatch(1);
        Thread hook = Thread.ofPlatform().name("jvmm-signal").unstarted(() -> {
            signalled.set(true);
            vm.stop("signal received");
            try {
                closed.await(STOP_GRACE_MILLIS, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        VmExit exit;
        try {
            if (beforeStart != null) beforeStart.run();
            vm.start();
            exit = vm.awaitExit();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            vm.stop("interrupted");
            exit = new VmExit.Stopped("interrupted");
        } finally {
            vm.close();
            flush(config);
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // A signal is being handled: the hook is running and the JVM exits with 128+signal.
            }
        }
        if (snapshotStatus.get() >= 0) return snapshotStatus.get();
        if (!signalled.get() && (exit.exitStatus() != 0
                || exit instanceof VmExit.TripleFault || exit instanceof VmExit.Crashed)) {
            err.println("jvmm: " + exit.describe());
        }
        return exit.exitStatus();
    }

    /**
     * Pauses, writes the snapshot, stops the VM. The exit status (0, or 1 when writing failed) goes
     * into {@code status} before the stop: the stop ends the main thread's wait, which then reads it
     * (set after the stop, a fast main thread read -1 and reported the stop as the guest's end).
     */
    private static void snapshotAndStop(Vm vm, Path dir, PrintStream err, AtomicInteger status) {
        int result = 1;
        try {
            vm.pause();
            long written = vm.snapshot(dir);
            err.println("jvmm: snapshot written to " + dir + " (" + (written >> 10) + " KiB of guest RAM)");
            result = 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("jvmm: snapshot interrupted");
        } catch (RuntimeException e) {
            err.println("jvmm: snapshot failed: " + e.getMessage());
        } finally {
            status.set(result);
            vm.stop("snapshot taken");
        }
    }

    private static Vm restore(Snapshots snapshots, VmConfig config) {
        try {
            return Vm.restore(snapshots.restoreDir(), snapshots.restoreState(), config);
        } catch (SnapshotException e) {
            throw CliException.usage("--restore: " + e.getMessage());
        } catch (ConfigException e) {
            throw CliException.usage(e.getMessage());
        } catch (RuntimeException e) {
            throw CliException.runtime(e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    private static void flush(VmConfig config) {
        try {
            if (config.consoleOutput() != null) config.consoleOutput().flush();
        } catch (java.io.IOException e) {
            // stdout went away (closed pipe): nothing left to tell the user there
        }
    }

    private static Vm create(VmConfig config) {
        try {
            return Vm.create(config);
        } catch (ConfigException e) {
            throw CliException.usage(e.getMessage());
        } catch (LoaderException e) {
            // A kernel that is not a kernel is the user's input, not a VMM failure.
            String msg = e.getMessage();
            boolean initrd = e.reason() == LoaderException.Reason.INITRD_DOES_NOT_FIT && config.initrd() != null;
            java.nio.file.Path file = initrd ? config.initrd() : config.kernel();
            throw CliException.usage(msg != null && msg.contains(file.getFileName().toString())
                    ? msg : (initrd ? "initrd " : "kernel ") + file + ": " + msg);
        } catch (RuntimeException e) {
            throw CliException.runtime(e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }
}
