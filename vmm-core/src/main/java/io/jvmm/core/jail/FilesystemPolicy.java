package io.jvmm.core.jail;

import io.jvmm.kvm.sys.Landlock;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.Seccomp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The paths a confined process may use and how, applied as one Landlock ruleset: every right the
 * kernel knows is handled, so whatever is not granted here is refused with EACCES. A path that does
 * not exist is left out (a missing /dev/net/tun grants nothing). TCP bind and connect are refused
 * outright on kernels that can (ABI 4), and signals and abstract Unix sockets are scoped to the
 * process's own domain (ABI 6).
 */
public final class FilesystemPolicy {
    /** The rights Landlock accepts on a path that is not a directory. */
    private static final long FILE_RIGHTS =
            Landlock.EXECUTE | Landlock.READ_FILE | Landlock.WRITE_FILE | Landlock.TRUNCATE | Landlock.IOCTL_DEV;

    private final Map<Path, Long> rules = new LinkedHashMap<>();

    /** Grants {@code access} beneath {@code path} (in addition to what it already has). */
    public FilesystemPolicy allow(Path path, FileAccess access) {
        rules.merge(path.toAbsolutePath().normalize(), access.rights, (a, b) -> a | b);
        return this;
    }

    /**
     * Grants a virtio-fs share its rights beneath {@code dir}: {@link FileAccess#READ} when it is
     * read-only, else {@link FileAccess#SHARE_READ_WRITE}, plus making device nodes when the share
     * allows them (the server refuses them otherwise, and Landlock then does too).
     */
    public FilesystemPolicy allowShare(Path dir, boolean readOnly, boolean devices) {
        allow(dir, readOnly ? FileAccess.READ : FileAccess.SHARE_READ_WRITE);
        if (!readOnly && devices)
            rules.merge(dir.toAbsolutePath().normalize(), Landlock.MAKE_CHAR | Landlock.MAKE_BLOCK, (a, b) -> a | b);
        return this;
    }

    /** Path to the Landlock rights granted beneath it (for diagnostics and tests). */
    public Map<Path, Long> rules() {
        return Map.copyOf(rules);
    }

    /**
     * Restricts the calling thread, and whatever it starts from now on, to this policy; sets
     * no_new_privs, which Landlock needs. Returns the Landlock ABI applied, or 0 when the kernel has
     * no Landlock (then only no_new_privs was set).
     */
    public int restrictCurrentThread() {
        Seccomp.setNoNewPrivs();
        int abi = Landlock.abi();
        if (abi == 0) return 0;
        long handled = Landlock.filesystemRights(abi);
        int ruleset = Landlock.createRuleset(
                handled,
                abi >= 4 ? Landlock.NET_BIND_TCP | Landlock.NET_CONNECT_TCP : 0,
                abi >= 6 ? Landlock.SCOPE_SIGNAL | Landlock.SCOPE_ABSTRACT_UNIX_SOCKET : 0);
        try {
            for (var e : rules.entrySet()) {
                Path p = e.getKey();
                if (!Files.exists(p)) continue;
                long rights = e.getValue() & handled;
                if (!Files.isDirectory(p)) rights &= FILE_RIGHTS;
                if (rights == 0) continue;
                int fd = Libc.open(p.toString(), Libc.O_PATH | Libc.O_CLOEXEC);
                try {
                    Landlock.allowBeneath(ruleset, fd, rights, p.toString());
                } finally {
                    Libc.close(fd);
                }
            }
            Landlock.restrictSelf(ruleset);
        } finally {
            Libc.close(ruleset);
        }
        return abi;
    }

    @Override
    public String toString() {
        return "FilesystemPolicy" + rules.keySet();
    }
}
