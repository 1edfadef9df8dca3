package io.jvmm.runc;

import io.jvmm.agent.ExecRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * An exec's process spec ({@code runc exec --process FILE}, or containerd's Exec) as the request the guest
 * agent runs in the container: args, env, cwd and {@code uid:gid}, with stdin. What the agent cannot apply
 * to an exec yet (capabilities, rlimits, noNewPrivileges, additional groups, umask) is listed by
 * {@link #notApplied}, so that a caller can say so instead of pretending.
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
                    .withStdin(true);
        } catch (IllegalArgumentException e) {
            throw new BundleException("process spec: " + e.getMessage());
        }
    }

    /** The fields of {@code p} that are set and that an exec does not apply yet, by their spec names. */
    public static List<String> notApplied(OciProcess p) {
        List<String> fields = new ArrayList<>();
        if (p.capabilities() != null) fields.add("capabilities");
        if (!p.rlimits().isEmpty()) fields.add("rlimits");
        if (p.noNewPrivileges()) fields.add("noNewPrivileges");
        if (!p.user().additionalGids().isEmpty()) fields.add("user.additionalGids");
        if (p.user().umask() != null) fields.add("user.umask");
        return fields;
    }
}
