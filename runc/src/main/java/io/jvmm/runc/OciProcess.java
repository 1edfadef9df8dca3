package io.jvmm.runc;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.math.BigInteger;
import java.util.List;

/**
 * The container's init process ({@code process} in config.json). apparmorProfile, selinuxLabel,
 * oomScoreAdj and the 1.2 scheduler and I/O priority fields are not read: a VM has none of those hosts'
 * policies to apply them to.
 *
 * @param terminal        a pty for the process, its master sent over the console socket
 * @param consoleSize     the pty's initial size, null when not given
 * @param user            who the process runs as
 * @param args            the argv; at least one entry
 * @param env             {@code KEY=VALUE}: the whole environment
 * @param cwd             absolute, in the container
 * @param capabilities    null when not given
 * @param rlimits         in order
 * @param noNewPrivileges sets {@code PR_SET_NO_NEW_PRIVS}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record OciProcess(
        boolean terminal,
        ConsoleSize consoleSize,
        User user,
        List<String> args,
        List<String> env,
        String cwd,
        Capabilities capabilities,
        List<Rlimit> rlimits,
        boolean noNewPrivileges) {

    /** {@code process.consoleSize}, in characters. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record ConsoleSize(long height, long width) {}

    /**
     * {@code process.user}: numeric ids, as the spec has them on Linux (uint32).
     *
     * @param umask null: the runtime's default (0022)
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record User(long uid, long gid, Long umask, List<Long> additionalGids) {
        public User {
            additionalGids = OciLists.copy(additionalGids);
        }
    }

    /** {@code process.capabilities}: the five sets, names like {@code CAP_KILL}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Capabilities(
            List<String> bounding,
            List<String> effective,
            List<String> inheritable,
            List<String> permitted,
            List<String> ambient) {
        public Capabilities {
            bounding = OciLists.copy(bounding);
            effective = OciLists.copy(effective);
            inheritable = OciLists.copy(inheritable);
            permitted = OciLists.copy(permitted);
            ambient = OciLists.copy(ambient);
        }
    }

    /**
     * One {@code process.rlimits} entry. The limits are uint64 ({@code 2^64-1} is RLIM_INFINITY), wider
     * than a long.
     *
     * @param type {@code RLIMIT_NOFILE} and the like
     */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Rlimit(String type, BigInteger soft, BigInteger hard) {}

    public OciProcess {
        args = OciLists.copy(args);
        env = OciLists.copy(env);
        rlimits = OciLists.copy(rlimits);
        if (user == null) user = new User(0, 0, null, List.of());
    }
}
