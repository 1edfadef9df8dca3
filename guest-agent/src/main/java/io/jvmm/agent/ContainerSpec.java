package io.jvmm.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A container for the agent to create in the pod: its id, root, program (argv, env, cwd, user,
 * terminal or stdin), limits, the mounts made in its root and what its process may do ({@link ProcessSecurity}). The env is the container's whole environment (the pod's image defaults do
 * not apply); PATH, HOME and TERM are added when missing, as for an exec. {@code user} and
 * {@code cwd} follow {@link ExecRequest}'s rules, resolved in the container's root.
 */
public record ContainerSpec(
        String id,
        ContainerRoot root,
        boolean readOnlyRoot,
        String hostname,
        List<String> argv,
        List<String> env,
        String cwd,
        String user,
        boolean tty,
        boolean stdin,
        int rows,
        int cols,
        ContainerLimits limits,
        List<ContainerMount> mounts,
        ProcessSecurity security) {
    /** The agent's bound on mounts per container. */
    public static final int MAX_MOUNTS = 64;

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}");

    public ContainerSpec {
        checkId(id);
        if (root == null) throw new IllegalArgumentException("container " + id + ": root is missing");
        hostname = hostname == null ? "" : hostname;
        cwd = cwd == null ? "" : cwd;
        user = user == null ? "" : user;
        limits = limits == null ? ContainerLimits.NONE : limits;
        // The same rules as an exec's: let ExecRequest check them.
        new ExecRequest(argv, env, cwd, user, tty, false, false, rows, cols, "", ProcessSecurity.DEFAULT);
        argv = List.copyOf(argv);
        env = List.copyOf(env);
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
        security = security == null ? ProcessSecurity.DEFAULT : security;
        if (mounts.size() > MAX_MOUNTS)
            throw new IllegalArgumentException(
                    "container " + id + ": " + mounts.size() + " mounts, at most " + MAX_MOUNTS);
        if (hostname.length() > 64 || hostname.indexOf('\0') >= 0)
            throw new IllegalArgumentException("container " + id + ": hostname must be at most 64 bytes: " + hostname);
    }

    /** Ids name a directory and a cgroup in the guest: 1 to 64 of [A-Za-z0-9_.-], not starting with '.'. */
    public static void checkId(String id) {
        if (id == null || !ID.matcher(id).matches())
            throw new IllegalArgumentException(
                    "container id \"" + id + "\": 1 to 64 letters, digits, '_', '-' or '.', not starting with '.'");
    }

    public static Builder builder(String id, ContainerRoot root) {
        return new Builder(id, root);
    }

    /**
     * The CONTAINER_CREATE frame. The mounts and the process security are optional trailing parts, left
     * out when empty so that an agent without them sees the frame it knows; security comes after the mounts.
     */
    public Frame toFrame() {
        int flags = (tty ? AgentProtocol.CONTAINER_TTY : 0)
                | (readOnlyRoot ? AgentProtocol.CONTAINER_READONLY : 0)
                | (stdin && !tty ? AgentProtocol.CONTAINER_STDIN : 0);
        Payload.Writer w = new Payload.Writer()
                .str(id)
                .u32(flags)
                .u16(rows)
                .u16(cols)
                .str(root.encoded())
                .str(hostname)
                .str(user)
                .str(cwd)
                .strs(argv)
                .strs(env);
        limits.writeTo(w);
        if (!mounts.isEmpty() || !security.changesNothing()) {
            w.u32(mounts.size());
            for (ContainerMount m : mounts)
                w.str(m.type())
                        .str(m.source())
                        .str(m.destination())
                        .u32(m.flags())
                        .str(m.data());
        }
        if (!security.changesNothing()) security.write(w);
        return w.frame(AgentProtocol.CONTAINER_CREATE);
    }

    public static final class Builder {
        private final String id;
        private final ContainerRoot root;
        private boolean readOnlyRoot, tty, stdin;
        private String hostname = "", cwd = "", user = "";
        private List<String> argv = List.of(), env = List.of();
        private int rows, cols;
        private ContainerLimits limits = ContainerLimits.NONE;
        private List<ContainerMount> mounts = List.of();
        private ProcessSecurity security = ProcessSecurity.DEFAULT;

        private Builder(String id, ContainerRoot root) {
            this.id = id;
            this.root = root;
        }

        public Builder command(String... argv) {
            return command(List.of(argv));
        }

        public Builder command(List<String> argv) {
            this.argv = new ArrayList<>(argv);
            return this;
        }

        public Builder env(List<String> env) {
            this.env = new ArrayList<>(env);
            return this;
        }

        public Builder cwd(String cwd) {
            this.cwd = cwd;
            return this;
        }

        public Builder user(String user) {
            this.user = user;
            return this;
        }

        public Builder hostname(String hostname) {
            this.hostname = hostname;
            return this;
        }

        public Builder readOnlyRoot(boolean readOnly) {
            this.readOnlyRoot = readOnly;
            return this;
        }

        public Builder tty(boolean tty, int rows, int cols) {
            this.tty = tty;
            this.rows = rows;
            this.cols = cols;
            return this;
        }

        /**
         * Whether the init reads a stdin pipe that an attach ({@link AgentClient#attachContainer}) feeds;
         * otherwise its stdin is /dev/null. A terminal is the init's input anyway.
         */
        public Builder stdin(boolean stdin) {
            this.stdin = stdin;
            return this;
        }

        public Builder limits(ContainerLimits limits) {
            this.limits = limits;
            return this;
        }

        public Builder mounts(List<ContainerMount> mounts) {
            this.mounts = new ArrayList<>(mounts);
            return this;
        }

        public Builder security(ProcessSecurity security) {
            this.security = security;
            return this;
        }

        public ContainerSpec build() {
            return new ContainerSpec(
                    id,
                    root,
                    readOnlyRoot,
                    hostname,
                    argv,
                    env,
                    cwd,
                    user,
                    tty,
                    stdin,
                    rows,
                    cols,
                    limits,
                    mounts,
                    security);
        }
    }
}
