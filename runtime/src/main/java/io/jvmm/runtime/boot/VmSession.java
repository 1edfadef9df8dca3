package io.jvmm.runtime.boot;

import io.jvmm.core.ConfigException;
import io.jvmm.core.Vm;
import io.jvmm.core.VmConfig;
import io.jvmm.core.VmExit;
import io.jvmm.core.cpu.GuestProfile;
import io.jvmm.core.snapshot.MachineState;
import io.jvmm.core.snapshot.SnapshotException;
import io.jvmm.core.snapshot.SnapshotFile;
import io.jvmm.loader.KernelSymbols;
import io.jvmm.loader.LoaderException;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.Host;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;

/**
 * Runs one VM from creation to exit: the only class of the engine that touches {@link Vm}. Ctrl-C and
 * SIGTERM stop the VM through a shutdown hook; the JVM then exits with 130 or 143 by itself.
 */
public final class VmSession {
    /** How long a signal waits for the VM to close before the JVM exits anyway. */
    private static final long STOP_GRACE_MILLIS = 2000;

    private VmSession() {}

    /** A snapshot to restore, read once: its memory size goes into the config, then its state is restored. */
    public record Restore(Path dir, MachineState state) {
        /** Reads the snapshot in {@code dir}; a usage error naming {@code --restore} when it is not one. */
        public static Restore read(Path dir) {
            try {
                return new Restore(dir, SnapshotFile.readState(dir));
            } catch (SnapshotException e) {
                throw EngineException.usage("--restore: " + e.getMessage());
            }
        }

        /** The snapshot's guest RAM in MiB. */
        public long memoryMib() {
            return state.memoryBytes() >> 20;
        }
    }

    /**
     * Snapshot options of {@code jvmm boot}: restore {@code restore} (null: boot); write a snapshot to
     * {@code snapshotDir} on SIGUSR1 ({@code onSignal}) or when a marker appears on the console (seen by
     * {@code tap}), then exit.
     */
    public record Snapshots(Restore restore, Path snapshotDir, boolean onSignal, MarkerTap tap) {
        public static final Snapshots NONE = new Snapshots(null, null, false, null);
    }

    /**
     * {@code jvmm boot --profile-guest}: sample where the guest runs {@code hz} times a second from its
     * first instruction to its end, and write the report to {@code report}.
     */
    public record Profiling(Path report, int hz) {
        /** Functions listed in the report. */
        static final int TOP = 80;

        public Profiling {
            if (hz < 1 || hz > 10_000) throw EngineException.usage("--profile-hz: " + hz + " is not 1 to 10000");
            Path dir = report.toAbsolutePath().getParent();
            if (dir == null || !Files.isDirectory(dir))
                throw EngineException.usage("--profile-guest: directory " + dir + " does not exist");
            if (Files.isDirectory(report))
                throw EngineException.usage("--profile-guest: " + report + " is a directory, not a file");
        }
    }

    /** Boots {@code config} and returns the process exit status from {@link VmExit#exitStatus()}. */
    public static int run(VmConfig config, PrintStream err) {
        return run(config, err, Snapshots.NONE, null, null);
    }

    /**
     * As above; {@code beforeStart} (null: nothing) runs once the VM is built, before the guest runs;
     * {@code profiling} (null: none) samples the guest.
     */
    public static int run(
            VmConfig config, PrintStream err, Snapshots snapshots, Runnable beforeStart, Profiling profiling) {
        Host.requireKvm();
        Vm vm = snapshots.restore() != null ? restore(snapshots.restore(), config) : create(config);
        AtomicInteger snapshotStatus = new AtomicInteger(-1);
        if (snapshots.snapshotDir() != null) {
            Runnable take = () -> Thread.ofPlatform()
                    .name("jvmm-snapshot")
                    .start(() -> snapshotAndStop(vm, snapshots.snapshotDir(), err, snapshotStatus));
            if (snapshots.onSignal()) Signal.handle(new Signal("USR1"), sig -> take.run());
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
            if (profiling != null) vm.startGuestProfile(profiling.hz());
            vm.start();
            exit = vm.awaitExit();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            vm.stop("interrupted");
            exit = new VmExit.Stopped("interrupted");
        } finally {
            vm.close();
            flush(config);
            if (profiling != null) writeProfile(vm.stopGuestProfile(), config.kernel(), profiling.report(), err);
            closed.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // A signal is being handled: the hook is running and the JVM exits with 128+signal.
            }
        }
        if (snapshotStatus.get() >= 0) return snapshotStatus.get();
        if (!signalled.get()
                && (exit.exitStatus() != 0 || exit instanceof VmExit.TripleFault || exit instanceof VmExit.Crashed)) {
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

    /** Writes the report, naming kernel functions from {@code kernel}'s symbols when it has them. */
    private static void writeProfile(GuestProfile profile, Path kernel, Path report, PrintStream err) {
        Optional<KernelSymbols> symbols = Optional.empty();
        String note = "";
        try {
            if (kernel != null) symbols = KernelSymbols.read(kernel);
        } catch (LoaderException e) {
            note = "kernel symbols: " + kernel + ": " + e.getMessage() + "\n";
        }
        try {
            Files.writeString(report, note + profile.report(symbols, Profiling.TOP));
            err.println("jvmm: guest profile (" + profile.samples() + " samples) written to " + report);
        } catch (IOException e) {
            err.println("jvmm: guest profile: cannot write " + report + ": " + e.getMessage());
        }
    }

    private static Vm restore(Restore restore, VmConfig config) {
        try {
            return Vm.restore(restore.dir(), restore.state(), config);
        } catch (SnapshotException e) {
            throw EngineException.usage("--restore: " + e.getMessage());
        } catch (ConfigException e) {
            throw EngineException.usage(e.getMessage());
        } catch (RuntimeException e) {
            throw EngineException.runtime(e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    private static void flush(VmConfig config) {
        try {
            if (config.consoleOutput() != null) config.consoleOutput().flush();
        } catch (IOException e) {
            // stdout went away (closed pipe): nothing left to tell the user there
        }
    }

    private static Vm create(VmConfig config) {
        try {
            return Vm.create(config);
        } catch (ConfigException e) {
            throw EngineException.usage(e.getMessage());
        } catch (LoaderException e) {
            // A kernel that is not a kernel is the user's input, not a VMM failure.
            String msg = e.getMessage();
            boolean initrd = e.reason() == LoaderException.Reason.INITRD_DOES_NOT_FIT && config.initrd() != null;
            Path file = initrd ? config.initrd() : config.kernel();
            throw EngineException.usage(
                    msg != null && msg.contains(file.getFileName().toString())
                            ? msg
                            : (initrd ? "initrd " : "kernel ") + file + ": " + msg);
        } catch (RuntimeException e) {
            throw EngineException.runtime(e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }
}
