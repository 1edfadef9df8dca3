package io.jvmm.cli;

import io.jvmm.kvm.sys.Libc;
import java.util.Set;

/**
 * jvmm's state is its user's alone: VM records hold {@code -e} values, logs hold the workload's output,
 * volumes and snapshot memory hold guest data, and a vsock socket lets its holder exec in the guest.
 * The commands that write state run with umask 077 (the VM processes they start inherit it), so every
 * file and socket is created 0600 and every directory 0700, whatever umask the caller had.
 */
final class PrivateFiles {
    /** The commands that create state; the others only read it (or write where the user names). */
    static final Set<String> WRITERS = Set.of("run", "volume", "image", "pull", "snapshot", VmLaunch.VM_PROCESS_COMMAND);
    private static final int PRIVATE = 0077;

    private PrivateFiles() {}

    /** Sets this process's umask to 077. */
    static void restrictUmask() { Libc.umask(PRIVATE); }
}
