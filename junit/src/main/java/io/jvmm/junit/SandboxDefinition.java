package io.jvmm.junit;

import io.jvmm.agent.ExecRequest;
import io.jvmm.core.backend.net.PortForward;
import io.jvmm.runtime.DefaultKernel;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.Ports;
import io.jvmm.runtime.image.ImageRoot;
import io.jvmm.runtime.image.ImageWorkload;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.sandbox.SandboxConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a {@link JvmmSandbox} was told (mutable until it starts, as a Testcontainers definition is),
 * and how that becomes a {@link SandboxConfig} and a command: the image is resolved and the kernel
 * found once, at the first start.
 */
final class SandboxDefinition {
    record Bind(Path hostDir, String guestPath, boolean readOnly) {}

    /** The root, kernel and command as resolved at the first start. */
    record Resolved(Path kernel, Path rootfs, List<String> argv, List<String> env, String workdir, String user) {}

    final String image;
    final Path rootfs;
    /** A host directory as the root, read-only under an overlay in guest RAM. */
    final Path directory;

    String name;
    List<String> command;
    final Map<String, String> env = new LinkedHashMap<>();
    final Set<Integer> exposed = new LinkedHashSet<>();
    final List<Bind> binds = new ArrayList<>();
    int cpus = 1;
    long memoryMib = 256;
    WaitStrategy wait = Wait.forAgent();
    Duration startupTimeout = SandboxConfig.defaultReadyTimeout();
    boolean restorePerTest;
    private Resolved resolved;

    private SandboxDefinition(String image, Path rootfs, Path directory, String name) {
        this.image = image;
        this.rootfs = rootfs;
        this.directory = directory;
        this.name = name;
    }

    static SandboxDefinition ofImage(String reference, String name) {
        return new SandboxDefinition(reference, null, null, name);
    }

    static SandboxDefinition ofRootfs(Path rootImage, String name) {
        return new SandboxDefinition(null, rootImage.toAbsolutePath(), null, name);
    }

    static SandboxDefinition ofDirectory(Path dir, String name) {
        return new SandboxDefinition(null, null, dir.toAbsolutePath(), name);
    }

    synchronized Resolved resolve() {
        if (resolved != null) return resolved;
        List<String> userEnv = new ArrayList<>();
        env.forEach((k, v) -> userEnv.add(k + "=" + v));
        ImageWorkload.Options options = new ImageWorkload.Options(null, command, userEnv, null, null);
        Path kernel;
        try {
            kernel = DefaultKernel.fromSystem().resolve().kernel();
        } catch (EngineException e) {
            throw new JvmmSandboxException(
                    "sandbox " + name + ": no kernel: " + e.getMessage()
                            + " (set JVMM_KERNEL_DIR to a directory holding vmlinux and initramfs.cpio, as kernel/build.sh makes)");
        }
        if (image == null) {
            ImageWorkload w = ImageWorkload.of(null, options);
            resolved = new Resolved(kernel, rootfs, w.argv(), w.env(), "", "");
        } else {
            ImageRoot root;
            try {
                root = ImageRoot.resolve(StateDirs.fromEnvironment(), image, System.err);
            } catch (EngineException e) {
                throw new JvmmSandboxException("sandbox " + name + ": " + e.getMessage(), e);
            }
            ImageWorkload w = ImageWorkload.of(root.config(), options);
            resolved = new Resolved(kernel, root.rootfs(), w.argv(), w.env(), w.workdir(), w.user());
        }
        return resolved;
    }

    /** A free host port for every exposed guest port. */
    Map<Integer, Integer> freePorts() {
        Map<Integer, Integer> ports = new LinkedHashMap<>();
        for (int guest : exposed) ports.put(guest, Ports.freeHostPort(false));
        return ports;
    }

    SandboxConfig config(Resolved r, Map<Integer, Integer> ports, String vmName) {
        SandboxConfig.Builder b = SandboxConfig.builder()
                .name(vmName)
                .kernel(r.kernel())
                .cpus(cpus)
                .memoryMib(memoryMib)
                .readyTimeout(startupTimeout);
        if (directory != null) b.rootDirectory(directory, true);
        else b.rootfs(r.rootfs());
        for (String kv : r.env()) b.env(kv);
        for (Bind bd : binds) b.bind(bd.hostDir(), bd.guestPath(), bd.readOnly());
        if (!ports.isEmpty()) {
            List<PortForward> forwards = new ArrayList<>();
            ports.forEach((guest, host) -> forwards.add(new PortForward(false, host, guest)));
            b.network(forwards);
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw new JvmmSandboxException("sandbox " + vmName + ": " + e.getMessage(), e);
        }
    }

    /** The main process, or null when there is none. */
    static ExecRequest command(Resolved r) {
        if (r.argv().isEmpty()) return null;
        return new ExecRequest(r.argv(), r.env(), r.workdir(), r.user(), false, false, true, 0, 0);
    }
}
