package io.jvmm.shim;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * Where the shim keeps things: under {@code JVMM_SHIM_ROOT} (default {@code /run/jvmm-shim}, gone at
 * reboot as containerd's tasks are), one jvmm state home per containerd namespace, and the sockets in
 * {@code s/}, named by a hash of containerd's address, the namespace and the id (a Unix socket path
 * must stay under 108 bytes).
 */
public record ShimPaths(Path root) {
    public static final String ROOT_ENV = "JVMM_SHIM_ROOT";

    public static ShimPaths fromEnvironment(Map<String, String> env) {
        String r = env.getOrDefault(ROOT_ENV, "");
        return new ShimPaths(
                Path.of(r.isEmpty() ? "/run/jvmm-shim" : r).toAbsolutePath().normalize());
    }

    /** The jvmm state home of {@code namespace}'s pods ({@code JVMM_HOME} layout). */
    public Path stateHome(String namespace) {
        return root.resolve("ns").resolve(namespace);
    }

    /** The shim server's log (its stdout and stderr). */
    public Path log(String namespace, String id) {
        return stateHome(namespace).resolve("shim-" + id + ".log");
    }

    /** Where the containers of the namespace's Kubernetes pods get their roots ({@link io.jvmm.shim.task.MemberRoots}). */
    public Path memberRoots(String namespace) {
        return stateHome(namespace).resolve("pod-roots");
    }

    public Path socket(String containerdAddress, String namespace, String id) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256")
                    .digest((containerdAddress + "\0" + namespace + "\0" + id).getBytes(StandardCharsets.UTF_8));
            return root.resolve("s").resolve(HexFormat.of().formatHex(h, 0, 16));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
