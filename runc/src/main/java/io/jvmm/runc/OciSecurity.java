package io.jvmm.runc;

import io.jvmm.agent.ProcessSecurity;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * config.json's capabilities, rlimits, noNewPrivileges, umask and additionalGids as the agent's {@link
 * ProcessSecurity}, which the guest applies to the container's init before it execs. Capability names
 * this table does not know are skipped, as runc skips those its kernel lacks.
 */
public final class OciSecurity {
    /** Linux's capability numbers (include/uapi/linux/capability.h): the index is the number. */
    static final List<String> CAPABILITIES = List.of(
            "CAP_CHOWN",
            "CAP_DAC_OVERRIDE",
            "CAP_DAC_READ_SEARCH",
            "CAP_FOWNER",
            "CAP_FSETID",
            "CAP_KILL",
            "CAP_SETGID",
            "CAP_SETUID",
            "CAP_SETPCAP",
            "CAP_LINUX_IMMUTABLE",
            "CAP_NET_BIND_SERVICE",
            "CAP_NET_BROADCAST",
            "CAP_NET_ADMIN",
            "CAP_NET_RAW",
            "CAP_IPC_LOCK",
            "CAP_IPC_OWNER",
            "CAP_SYS_MODULE",
            "CAP_SYS_RAWIO",
            "CAP_SYS_CHROOT",
            "CAP_SYS_PTRACE",
            "CAP_SYS_PACCT",
            "CAP_SYS_ADMIN",
            "CAP_SYS_BOOT",
            "CAP_SYS_NICE",
            "CAP_SYS_RESOURCE",
            "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG",
            "CAP_MKNOD",
            "CAP_LEASE",
            "CAP_AUDIT_WRITE",
            "CAP_AUDIT_CONTROL",
            "CAP_SETFCAP",
            "CAP_MAC_OVERRIDE",
            "CAP_MAC_ADMIN",
            "CAP_SYSLOG",
            "CAP_WAKE_ALARM",
            "CAP_BLOCK_SUSPEND",
            "CAP_AUDIT_READ",
            "CAP_PERFMON",
            "CAP_BPF",
            "CAP_CHECKPOINT_RESTORE");

    /** Linux's resource numbers (include/uapi/asm-generic/resource.h). */
    static final Map<String, Integer> RLIMITS = Map.ofEntries(
            Map.entry("RLIMIT_CPU", 0),
            Map.entry("RLIMIT_FSIZE", 1),
            Map.entry("RLIMIT_DATA", 2),
            Map.entry("RLIMIT_STACK", 3),
            Map.entry("RLIMIT_CORE", 4),
            Map.entry("RLIMIT_RSS", 5),
            Map.entry("RLIMIT_NPROC", 6),
            Map.entry("RLIMIT_NOFILE", 7),
            Map.entry("RLIMIT_MEMLOCK", 8),
            Map.entry("RLIMIT_AS", 9),
            Map.entry("RLIMIT_LOCKS", 10),
            Map.entry("RLIMIT_SIGPENDING", 11),
            Map.entry("RLIMIT_MSGQUEUE", 12),
            Map.entry("RLIMIT_NICE", 13),
            Map.entry("RLIMIT_RTPRIO", 14),
            Map.entry("RLIMIT_RTTIME", 15));

    private OciSecurity() {}

    /** {@code p}'s settings (checked by {@link SpecValidator}); a set Linux would refuse is a config error. */
    public static ProcessSecurity of(OciProcess p) {
        List<ProcessSecurity.Rlimit> rlimits = new ArrayList<>();
        for (OciProcess.Rlimit r : p.rlimits())
            rlimits.add(new ProcessSecurity.Rlimit(RLIMITS.get(r.type()), u64(r.soft()), u64(r.hard())));
        return new ProcessSecurity(
                p.capabilities() == null ? null : capabilities(p.capabilities()),
                p.noNewPrivileges(),
                rlimits,
                p.user().umask() == null ? -1 : p.user().umask().intValue(),
                p.user().additionalGids());
    }

    private static ProcessSecurity.Capabilities capabilities(OciProcess.Capabilities c) {
        long bounding = mask(c.bounding()), effective = mask(c.effective()), permitted = mask(c.permitted());
        long inheritable = mask(c.inheritable()), ambient = mask(c.ambient());
        subset("effective", effective, "permitted", permitted);
        subset("inheritable", inheritable, "bounding", bounding);
        subset("ambient", ambient, "permitted", permitted);
        subset("ambient", ambient, "inheritable", inheritable);
        return new ProcessSecurity.Capabilities(bounding, effective, permitted, inheritable, ambient);
    }

    private static long mask(List<String> names) {
        long m = 0;
        for (String n : names) {
            int bit = CAPABILITIES.indexOf(n);
            if (bit >= 0) m |= 1L << bit;
        }
        return m;
    }

    /** Linux refuses these sets at capset(2) or PR_CAP_AMBIENT_RAISE; this says which name and why. */
    private static void subset(String name, long set, String ofName, long of) {
        long extra = set & ~of;
        if (extra != 0)
            throw BundleException.config("process.capabilities." + name + " has "
                    + CAPABILITIES.get(Long.numberOfTrailingZeros(extra)) + ", which is not in " + ofName);
    }

    /** A uint64 limit as the agent's unsigned long ({@code 2^64-1}, RLIM_INFINITY, is all ones). */
    private static long u64(BigInteger v) {
        return v.longValue();
    }
}
