package io.jvmm.shim.task;

import io.jvmm.runc.BundleException;
import io.jvmm.runc.BundleReader;
import java.nio.file.Path;
import java.util.Map;

/**
 * What a task is to a Kubernetes pod, from the annotations CRI puts in its config.json: the pod's sandbox
 * (the pause container, whose shim boots the pod's VM), a container of a sandbox (run in that VM), or
 * neither (a task of its own, as {@code ctr run} makes). containerd's CRI and CRI-O name them differently.
 *
 * @param kind      which of the three
 * @param sandboxId the sandbox's id for a container of one; else empty
 */
public record CriRole(Kind kind, String sandboxId) {
    public enum Kind {
        STANDALONE,
        SANDBOX,
        MEMBER
    }

    public static final CriRole STANDALONE = new CriRole(Kind.STANDALONE, "");

    private static final String[][] KEYS = {
        {"io.kubernetes.cri.container-type", "io.kubernetes.cri.sandbox-id"},
        {"io.kubernetes.cri-o.ContainerType", "io.kubernetes.cri-o.SandboxID"}
    };

    /** The role {@code annotations} give; a container naming no sandbox stands alone. */
    public static CriRole of(Map<String, String> annotations) {
        for (String[] k : KEYS) {
            String type = annotations.getOrDefault(k[0], "");
            String sandbox = annotations.getOrDefault(k[1], "");
            if (type.equals("sandbox")) return new CriRole(Kind.SANDBOX, sandbox);
            if (type.equals("container") && !sandbox.isEmpty()) return new CriRole(Kind.MEMBER, sandbox);
        }
        return STANDALONE;
    }

    /** The role of the task whose bundle is {@code bundle}; one whose config cannot be read stands alone. */
    public static CriRole ofBundle(Path bundle) {
        try {
            return of(BundleReader.read(bundle).spec().annotations());
        } catch (BundleException e) {
            return STANDALONE; // Create reports what is wrong with it
        }
    }

    public boolean member() {
        return kind == Kind.MEMBER;
    }

    public boolean sandbox() {
        return kind == Kind.SANDBOX;
    }
}
