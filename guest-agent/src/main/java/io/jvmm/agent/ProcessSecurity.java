package io.jvmm.agent;

import java.util.List;

/**
 * What a container's init is allowed beyond its user, set by the agent between the user switch and
 * {@code execve} as runc does: its capability sets, {@code no_new_privs}, resource limits, umask and
 * supplementary groups. {@link #DEFAULT} changes nothing: the program keeps root's full capabilities,
 * the agent's limits, umask 022 and the groups of its user.
 *
 * @param capabilities    the five sets, or null to leave them as they are
 * @param noNewPrivileges sets {@code PR_SET_NO_NEW_PRIVS}: setuid files and file capabilities grant nothing
 * @param rlimits         setrlimit(2) calls, in order, at most {@value #MAX_RLIMITS}
 * @param umask           0 to 0777, or -1 for 022
 * @param additionalGids  groups added to the user's, at most {@value #MAX_GIDS}
 */
public record ProcessSecurity(
        Capabilities capabilities,
        boolean noNewPrivileges,
        List<Rlimit> rlimits,
        int umask,
        List<Long> additionalGids) {
    public static final ProcessSecurity DEFAULT = new ProcessSecurity(null, false, List.of(), -1, List.of());
    /** The agent's bounds: one entry per resource, and a group list that fits beside the user's own. */
    public static final int MAX_RLIMITS = 16, MAX_GIDS = 32;

    public ProcessSecurity {
        rlimits = rlimits == null ? List.of() : List.copyOf(rlimits);
        additionalGids = additionalGids == null ? List.of() : List.copyOf(additionalGids);
        if (rlimits.size() > MAX_RLIMITS)
            throw new IllegalArgumentException(rlimits.size() + " rlimits, at most " + MAX_RLIMITS);
        if (additionalGids.size() > MAX_GIDS)
            throw new IllegalArgumentException(additionalGids.size() + " additional gids, at most " + MAX_GIDS);
        for (long g : additionalGids)
            if (g < 0 || g > 0xfffffffeL) throw new IllegalArgumentException("additional gid out of range: " + g);
        if (umask < -1 || umask > 0777)
            throw new IllegalArgumentException("umask must be 0 to 0777: 0" + Integer.toOctalString(umask));
    }

    public boolean changesNothing() {
        return equals(DEFAULT);
    }

    /**
     * Capability sets as bit masks, bit N for capability N ({@code CAP_CHOWN} is 0). Linux refuses an
     * effective capability that is not permitted, an inheritable one outside the bounding set, and an
     * ambient one that is not both permitted and inheritable; so does this record.
     */
    public record Capabilities(long bounding, long effective, long permitted, long inheritable, long ambient) {
        public Capabilities {
            requireSubset("effective", effective, "permitted", permitted);
            requireSubset("inheritable", inheritable, "bounding", bounding);
            requireSubset("ambient", ambient, "permitted", permitted);
            requireSubset("ambient", ambient, "inheritable", inheritable);
        }

        private static void requireSubset(String name, long set, String ofName, long of) {
            long extra = set & ~of;
            if (extra != 0)
                throw new IllegalArgumentException(
                        "capability " + Long.numberOfTrailingZeros(extra) + " is " + name + " but not " + ofName);
        }
    }

    /**
     * One setrlimit(2): {@code resource} is Linux's number ({@code RLIMIT_NOFILE} is 7); the limits are
     * unsigned 64-bit, {@link #INFINITY} (all ones) being {@code RLIM_INFINITY}.
     */
    public record Rlimit(int resource, long soft, long hard) {
        public static final long INFINITY = -1L;
        /** RLIMIT_CPU (0) to RLIMIT_RTTIME (15). */
        public static final int RESOURCES = 16;

        public Rlimit {
            if (resource < 0 || resource >= RESOURCES)
                throw new IllegalArgumentException("rlimit resource " + resource + " is not 0 to " + (RESOURCES - 1));
            if (Long.compareUnsigned(soft, hard) > 0)
                throw new IllegalArgumentException("rlimit " + resource + ": soft limit " + Long.toUnsignedString(soft)
                        + " is above the hard limit " + Long.toUnsignedString(hard));
        }
    }

    /** The optional part of CONTAINER_CREATE after the mounts, and of EXEC after the container id (PROTOCOL.md). */
    void write(Payload.Writer w) {
        int flags = (noNewPrivileges ? AgentProtocol.SECURITY_NO_NEW_PRIVS : 0)
                | (capabilities != null ? AgentProtocol.SECURITY_CAPS : 0)
                | (umask >= 0 ? AgentProtocol.SECURITY_UMASK : 0);
        Capabilities c = capabilities != null ? capabilities : new Capabilities(0, 0, 0, 0, 0);
        w.u32(flags)
                .u64(c.bounding())
                .u64(c.effective())
                .u64(c.permitted())
                .u64(c.inheritable())
                .u64(c.ambient())
                .u32(Math.max(umask, 0))
                .u32(additionalGids.size());
        for (long g : additionalGids) w.u32(g);
        w.u32(rlimits.size());
        for (Rlimit r : rlimits) w.u32(r.resource()).u64(r.soft()).u64(r.hard());
    }
}
