package io.jvmm.kvm;

import io.jvmm.kvm.sys.Libc;
import java.lang.System.Logger.Level;

/**
 * Links the downcalls a VM needs, and initialises the ioctl and struct tables, on background
 * threads, so that this work overlaps whatever the caller does before it creates its first VM.
 *
 * <p>In a fresh JVM the first FFM downcall costs ~20-25 ms (measured on JDK 25 with an AOT cache:
 * the linker spins method handles and a stub that the cache does not keep), a seventh of the CLI's
 * whole {@code boot} of a probe. Started first thing in {@code main}, it runs while the command
 * line is parsed. Nothing is duplicated or raced: the work is class initialisation, so a thread that
 * needs {@link Libc} sooner blocks until the link in progress is done and then uses it.
 */
public final class NativePrelink {
    private NativePrelink() {}

    /** Starts the prelink threads (daemons: they never hold the JVM up). */
    public static void startInBackground() {
        // Two threads, because the two halves do not wait for each other and a CLI's main thread
        // leaves a core idle meanwhile: the downcall link (~20 ms), and the struct layouts with the
        // JDK's layout-path machinery that their offsets need (~8 ms). Measured: floor -2..3 ms (n=21).
        Thread.ofPlatform().daemon().name("ffm-prelink").start(() -> run(Libc::getpid));
        Thread.ofPlatform().daemon().name("ffm-prelink-layouts").start(() -> run(Ioctl.KVM_RUN::number));
    }

    private static void run(Runnable work) {
        try {
            work.run();
        } catch (Throwable t) {
            // Only an optimisation: whoever needs these later links them and reports any failure.
            System.getLogger(NativePrelink.class.getName()).log(Level.DEBUG, "prelink failed: {0}", t.toString());
        }
    }
}
