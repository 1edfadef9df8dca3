package io.jvmm.agent;

import java.util.List;

/**
 * What to run in the guest. {@code user} is "" (root), a name from the image's /etc/passwd, "uid"
 * or "uid:gid"; {@code cwd} is "" (/) or absolute; {@code rows}/{@code cols} 0 keep the default;
 * {@code container} is "" (the pod itself) or the id of a container whose namespaces, root, cgroup
 * and environment the program joins (protocol 2); {@code security} is what the program may do beyond
 * its user ({@link ProcessSecurity#DEFAULT}: nothing changes).
 */
public record ExecRequest(
        List<String> argv,
        List<String> env,
        String cwd,
        String user,
        boolean tty,
        boolean stdin,
        boolean workload,
        int rows,
        int cols,
        String container,
        ProcessSecurity security) {
    public ExecRequest {
        argv = List.copyOf(argv);
        env = List.copyOf(env);
        cwd = cwd == null ? "" : cwd;
        user = user == null ? "" : user;
        container = container == null ? "" : container;
        security = security == null ? ProcessSecurity.DEFAULT : security;
        if (!container.isEmpty()) ContainerSpec.checkId(container);
        if (argv.isEmpty()) throw new IllegalArgumentException("argv must have at least one element");
        if (argv.getFirst().isEmpty()) throw new IllegalArgumentException("argv[0] must not be empty");
        if (argv.size() > AgentProtocol.MAX_STRINGS || env.size() > AgentProtocol.MAX_STRINGS)
            throw new IllegalArgumentException("at most " + AgentProtocol.MAX_STRINGS + " argv and env entries");
        for (String a : argv) noNul("argv entry", a);
        for (String e : env) {
            noNul("env entry", e);
            if (e.indexOf('=') <= 0) throw new IllegalArgumentException("env entry must be KEY=VALUE: " + e);
        }
        noNul("cwd", cwd);
        noNul("user", user);
        if (!cwd.isEmpty() && !cwd.startsWith("/")) throw new IllegalArgumentException("cwd must be absolute: " + cwd);
        if (rows < 0 || rows > 0xffff || cols < 0 || cols > 0xffff)
            throw new IllegalArgumentException("terminal size out of range: " + rows + "x" + cols);
    }

    /** A request for the pod itself (no container), as in protocol 1. */
    public ExecRequest(
            List<String> argv,
            List<String> env,
            String cwd,
            String user,
            boolean tty,
            boolean stdin,
            boolean workload,
            int rows,
            int cols) {
        this(argv, env, cwd, user, tty, stdin, workload, rows, cols, "", ProcessSecurity.DEFAULT);
    }

    private static void noNul(String what, String s) {
        if (s.indexOf('\0') >= 0) throw new IllegalArgumentException(what + " contains a NUL character");
    }

    public static ExecRequest of(String... argv) {
        return new ExecRequest(
                List.of(argv), List.of(), "", "", false, false, false, 0, 0, "", ProcessSecurity.DEFAULT);
    }

    public ExecRequest withEnv(List<String> env) {
        return new ExecRequest(argv, env, cwd, user, tty, stdin, workload, rows, cols, container, security);
    }

    public ExecRequest withCwd(String cwd) {
        return new ExecRequest(argv, env, cwd, user, tty, stdin, workload, rows, cols, container, security);
    }

    public ExecRequest withUser(String user) {
        return new ExecRequest(argv, env, cwd, user, tty, stdin, workload, rows, cols, container, security);
    }

    public ExecRequest withTty(boolean tty) {
        return new ExecRequest(argv, env, cwd, user, tty, stdin, workload, rows, cols, container, security);
    }

    public ExecRequest withStdin(boolean stdin) {
        return new ExecRequest(argv, env, cwd, user, tty, stdin, workload, rows, cols, container, security);
    }

    public ExecRequest withWorkload(boolean workload) {
        return new ExecRequest(argv, env, cwd, user, tty, stdin, workload, rows, cols, container, security);
    }

    public ExecRequest withSize(int rows, int cols) {
        return new ExecRequest(argv, env, cwd, user, tty, stdin, workload, rows, cols, container, security);
    }

    /** Runs the program in the container {@code id} instead of the pod (needs protocol 2). */
    public ExecRequest inContainer(String id) {
        return new ExecRequest(argv, env, cwd, user, tty, stdin, workload, rows, cols, id, security);
    }

    /** The program with these capabilities, limits, umask and extra groups (needs protocol 2). */
    public ExecRequest withSecurity(ProcessSecurity security) {
        return new ExecRequest(argv, env, cwd, user, tty, stdin, workload, rows, cols, container, security);
    }

    int flags() {
        return (tty ? AgentProtocol.EXEC_TTY : 0)
                | (stdin ? AgentProtocol.EXEC_STDIN : 0)
                | (workload ? AgentProtocol.EXEC_WORKLOAD : 0);
    }

    /** The EXEC frame for this request. */
    public Frame toFrame() {
        Payload.Writer w = new Payload.Writer()
                .u32(flags())
                .u16(rows)
                .u16(cols)
                .str(user)
                .str(cwd)
                .strs(argv)
                .strs(env);
        // Only then: a protocol 1 agent refuses the trailing fields. Security follows the container id,
        // which is then written even when empty (the pod).
        if (!container.isEmpty() || !security.changesNothing()) w.str(container);
        if (!security.changesNothing()) security.write(w);
        return w.frame(AgentProtocol.EXEC);
    }
}
