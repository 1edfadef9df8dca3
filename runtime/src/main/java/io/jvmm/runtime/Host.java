package io.jvmm.runtime;

import io.jvmm.kvm.Kvm;
import io.jvmm.kvm.NativePrelink;
import io.jvmm.kvm.sys.ProcessSyscalls;

/** What a front-end asks of the host before it starts a VM: is KVM there, who is this process. */
public final class Host {
    private Host() {}

    /**
     * Starts linking the native calls a VM needs on a background thread, so that a command which will
     * create a VM does it while it parses its arguments.
     */
    public static void prelinkInBackground() {
        NativePrelink.startInBackground();
    }

    /** True when this process runs as root (effective uid 0). */
    public static boolean isRoot() {
        return ProcessSyscalls.geteuid() == 0;
    }

    /** True when {@code /dev/kvm} can be opened and has the API jvmm needs. */
    public static boolean kvmAvailable() {
        return Kvm.isAvailable();
    }

    /** Throws a runtime {@link EngineException} naming why {@code /dev/kvm} cannot be used, if it cannot. */
    public static void requireKvm() {
        if (!Kvm.isAvailable()) {
            String cause = String.valueOf(Kvm.unavailabilityCause());
            throw EngineException.runtime(cause.startsWith("/dev/kvm") ? cause : "/dev/kvm: " + cause);
        }
    }
}
