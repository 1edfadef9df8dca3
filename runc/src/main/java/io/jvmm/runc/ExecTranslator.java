package io.jvmm.runc;

import io.jvmm.agent.ExecRequest;

/**
 * An exec's process spec ({@code runc exec --process FILE}, or containerd's Exec) as the request the guest
 * agent runs in the container: args, env, cwd and {@code uid:gid}, with stdin, and its capabilities,
 * rlimits, noNewPrivileges, umask and additional groups ({@link OciSecurity}).
 */
public final class ExecTranslator {
    private ExecTranslator() {}

    /** The request for {@code p}; a terminal is not asked for here (the caller decides how to carry it). */
    public static ExecRequest request(OciProcess p) {
        if (p.args().isEmpty() || p.args().getFirst().isEmpty())
            throw new BundleException("process spec: args must name a program");
        String cwd = p.cwd() == null ? "" : p.cwd();
        if (!cwd.isEmpty() && !cwd.startsWith("/"))
            throw new BundleException("process spec: cwd \"" + cwd + "\" must be an absolute path");
        try {
            return ExecRequest.of(p.args().toArray(String[]::new))
                    .withEnv(p.env())
                    .withCwd(cwd)
                    .withUser(p.user().uid() + ":" + p.user().gid())
                    .withStdin(true)
                    .withSecurity(OciSecurity.of(p));
        } catch (IllegalArgumentException e) {
            throw new BundleException("process spec: " + e.getMessage());
        }
    }
}
