package io.jvmm.kvm;

import io.jvmm.kvm.sys.Libc;
import java.lang.System.Logger.Level;

/**
 * Links the downcalls a VM needs, and initialises the ioctl and struct tables, on a background
 * thread, so that this work overlaps whatever the caller does before it creates its first VM.
 *
 * <p>In a fresh JVM the first FFM downcall costs ~20-25 ms (measured on JDK 25 with an AOT cache:
 * the linker spins method handles and a stub that the cache does not keep), a seventh of the CLI's
 * whole {@code boot} of a probe. Started first thing in {@code main}, it runs while the command
 * line is parsed. Nothing is duplicated or raced: the work is class initialisation, so a thread that
 * needs {@link Libc} sooner blocks until the link in progress is done and then uses it.
 */
public final class NativePrelink {
    private NativePrelink() {}

    /** Starts the prelink thread (a daemon: it never holds the JVM up). */
    public static void startInBackground() {
        Thread.ofPlatform().daemon().name("ffm-prelink").start(NativePrelink::run);
    }

    private static void run() {
        try {
            Libc.getpid();          // the shared syscall(2) downcall and its errno capture
            Ioctl.KVM_RUN.number(); // the request numbers and the struct layouts they size
        } catch (Throwable t) {
            // Only an optimisation: whoever needs these later links them and reports any failure.
            System.getLogger(NativePrelink.class.getName()).log(Level.DEBUG, "prelink failed: {0}", t.toString());
        }
    }
}
