package io.jvmm.runc;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A mount's options split as mount(8) splits them: the flags (and propagation types) it recognizes,
 * and the rest, file system data passed on as it is ({@code mode=755,size=65536k}).
 *
 * @param flags recognized flags, in order, each once
 * @param data  the other options joined with commas, {@code ""} when none
 */
public record MountOptions(List<String> flags, String data) {
    /** mount(8)'s flags and propagation types, with the spec's recursive forms ({@code rro}, {@code rnosuid}). */
    public static final List<String> FLAGS = List.of(
            "async",
            "atime",
            "bind",
            "defaults",
            "dev",
            "diratime",
            "dirsync",
            "exec",
            "iversion",
            "lazytime",
            "loud",
            "mand",
            "noatime",
            "nodev",
            "nodiratime",
            "noexec",
            "noiversion",
            "nolazytime",
            "nomand",
            "norelatime",
            "nostrictatime",
            "nosuid",
            "nosymfollow",
            "private",
            "ratime",
            "rbind",
            "rdev",
            "rdiratime",
            "relatime",
            "remount",
            "rexec",
            "rnoatime",
            "rnodev",
            "rnodiratime",
            "rnoexec",
            "rnorelatime",
            "rnostrictatime",
            "rnosuid",
            "rnosymfollow",
            "ro",
            "rprivate",
            "rrelatime",
            "rro",
            "rrw",
            "rshared",
            "rslave",
            "rstrictatime",
            "rsuid",
            "rsymfollow",
            "runbindable",
            "rw",
            "shared",
            "silent",
            "slave",
            "strictatime",
            "suid",
            "symfollow",
            "sync",
            "tmpcopyup",
            "unbindable");

    private static final Set<String> KNOWN = Set.copyOf(FLAGS);

    public MountOptions {
        flags = List.copyOf(flags);
    }

    /** {@code options} (no null entries) split into flags and data. */
    public static MountOptions of(List<String> options) {
        Set<String> flags = new LinkedHashSet<>();
        List<String> data = new ArrayList<>();
        for (String o : options) {
            if (KNOWN.contains(o)) flags.add(o);
            else if (!o.isEmpty()) data.add(o);
        }
        return new MountOptions(new ArrayList<>(flags), String.join(",", data));
    }
}
