package io.jvmm.runtime.state;

/**
 * How a detached VM process is confined (docs/sandbox.md), docker's {@code --security-opt}:
 * by default its files through Landlock and its system calls through seccomp, as its own uid.
 *
 * @param landlock confine the files it may open (off: {@code landlock=unconfined})
 * @param seccomp  confine its system calls (off: {@code seccomp=unconfined})
 * @param uid      the uid it drops to once the VM is built, or -1 to keep the caller's
 * @param gid      the gid it drops to, or -1 to keep the caller's
 */
public record SecurityOptions(boolean landlock, boolean seccomp, int uid, int gid) {
    public static final SecurityOptions DEFAULT = new SecurityOptions(true, true, -1, -1);

    public SecurityOptions {
        if ((uid < 0) != (gid < 0)) throw new IllegalArgumentException("vmm-user needs both a uid and a gid");
        if (uid < -1 || gid < -1) throw new IllegalArgumentException("uid and gid must be >= 0");
    }

    /** True when the VM process gives up its uid and gid. */
    public boolean dropsPrivileges() {
        return uid >= 0;
    }

    /** These options with {@code KEY=VALUE} applied: {@code landlock=unconfined}, {@code seccomp=unconfined} or {@code vmm-user=UID:GID}. */
    public SecurityOptions with(String option) {
        int eq = option.indexOf('=');
        if (eq <= 0) throw new IllegalArgumentException("expected KEY=VALUE, got \"" + option + "\"");
        String key = option.substring(0, eq), value = option.substring(eq + 1).strip();
        return switch (key) {
            case "landlock" -> new SecurityOptions(confined(key, value), seccomp, uid, gid);
            case "seccomp" -> new SecurityOptions(landlock, confined(key, value), uid, gid);
            case "vmm-user" -> {
                String[] ids = value.split(":", -1);
                if (ids.length != 2 || !ids[0].matches("\\d{1,9}") || !ids[1].matches("\\d{1,9}")) {
                    throw new IllegalArgumentException("vmm-user: expected UID:GID (numbers), got \"" + value + "\"");
                }
                yield new SecurityOptions(landlock, seccomp, Integer.parseInt(ids[0]), Integer.parseInt(ids[1]));
            }
            default ->
                throw new IllegalArgumentException(
                        "unknown security option \"" + key + "\" (jvmm knows landlock, seccomp and vmm-user)");
        };
    }

    private static boolean confined(String key, String value) {
        return switch (value) {
            case "unconfined" -> false;
            case "default" -> true;
            default ->
                throw new IllegalArgumentException(key + ": expected default or unconfined, got \"" + value + "\"");
        };
    }
}
