package io.jvmm.runtime;

import io.jvmm.kvm.sys.ProcessSyscalls;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * jvmm's state is its user's alone: VM records hold {@code -e} values, logs hold the workload's output,
 * volumes and snapshot memory hold guest data, and a vsock socket lets its holder exec in the guest.
 * The commands that write state run with umask 077 (the VM processes they start inherit it), so every
 * file and socket is created 0600 and every directory 0700, whatever umask the caller had.
 */
public final class PrivateFiles {
    private static final int PRIVATE = 0077;

    private PrivateFiles() {}

    /** Sets this process's umask to 077. */
    public static void restrictUmask() {
        ProcessSyscalls.umask(PRIVATE);
    }

    /** Makes {@code uid}:{@code gid} the owner of {@code dir} and everything beneath it (links themselves, not their targets). */
    public static void giveTree(Path dir, int uid, int gid) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Files.setAttribute(f, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(f, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            }
        }
    }
}
