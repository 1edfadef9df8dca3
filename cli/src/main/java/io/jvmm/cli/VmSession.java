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

/**
 * Runs one VM from creation to exit: the only class of the CLI that touches {@link Vm}. Ctrl-C and
 * SIGTERM stop the VM through a shutdown hook; the JVM then exits with 130 or 143 by itself.
 */
final class VmSession {
    /** How long a signal waits for the VM to close before the JVM exits anyway. */
    private static final long STOP_GRACE_MILLIS = 2000;

    private VmSession() {}

    /** Boots {@code config} and returns the process exit status from {@link VmExit#exitStatus()}. */
    static int run(VmConfig config, PrintStream err) {
        if (!Kvm.isAvailable()) {
            String cause = String.valueOf(Kvm.unavailabilityCause());
            throw CliException.runtime(cause.startsWith("/dev/kvm") ? cause : "/dev/kvm: " + cause);
        }
        Vm vm = create(config);
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
        if (!signalled.get() && (exit.exitStatus() != 0
                || exit instanceof VmExit.TripleFault || exit instanceof VmExit.Crashed)) {
            err.println("jvmm: " + exit.describe());
        }
        return exit.exitStatus();
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
