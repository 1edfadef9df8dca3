package io.jvmm.junit;

import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecResult;
import io.jvmm.agent.ExecSession;
import io.jvmm.core.VmExit;
import io.jvmm.sandbox.Sandbox;
import io.jvmm.sandbox.SandboxConfig;
import io.jvmm.sandbox.SandboxException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One running VM of a {@link JvmmSandbox}: booted or restored, with its host ports, its command's
 * output and the agent to exec and copy through. Owns the {@link Sandbox} and closes it.
 */
final class SandboxInstance implements AutoCloseable {
    private final String name;
    private final Sandbox sandbox;
    private final Map<Integer, Integer> ports;
    private final OutputLog log;
    private ExecSession command;

    private SandboxInstance(String name, Sandbox sandbox, Map<Integer, Integer> ports, OutputLog log) {
        this.name = name;
        this.sandbox = sandbox;
        this.ports = Map.copyOf(ports);
        this.log = log;
    }

    /** Boots {@code config} and starts {@code command} (null: none) as the VM's main process. */
    static SandboxInstance boot(String name, SandboxConfig config, Map<Integer, Integer> ports, ExecRequest command)
            throws InterruptedException {
        Sandbox sandbox;
        try {
            sandbox = Sandbox.start(config);
        } catch (SandboxException e) {
            throw new JvmmSandboxException(e.getMessage(), e);
        }
        SandboxInstance i = new SandboxInstance(name, sandbox, ports, new OutputLog());
        if (command == null) return i;
        try {
            i.command = i.sandbox.agent().start(command.withWorkload(true), i.log.stdout(), i.log.stderr());
            if (i.command.pid() < 0) {
                ExecResult r = i.command.waitFor();
                throw new JvmmSandboxException(
                        "sandbox " + name + ": the command " + command.argv() + " did not start: " + r.error());
            }
            return i;
        } catch (IOException e) {
            i.close();
            throw new JvmmSandboxException("sandbox " + name + ": cannot start the command: " + e.getMessage(), e);
        } catch (RuntimeException | InterruptedException e) {
            i.close();
            throw e;
        }
    }

    /**
     * Restores a copy from {@code snapshot}. Its command goes on running in the guest, but its output
     * stays with the template (the agent's connections are reset by a restore): the copy's log starts
     * with the template's log up to the snapshot.
     */
    static SandboxInstance restore(
            String name, Path snapshot, SandboxConfig config, Map<Integer, Integer> ports, String templateLog) {
        OutputLog log = new OutputLog();
        if (!templateLog.isEmpty()) log.seed(templateLog);
        return new SandboxInstance(name, Sandbox.restore(snapshot, config), ports, log);
    }

    String name() {
        return name;
    }

    Sandbox sandbox() {
        return sandbox;
    }

    OutputLog log() {
        return log;
    }

    int mappedPort(int guestPort) {
        Integer p = ports.get(guestPort);
        if (p == null)
            throw new IllegalArgumentException("sandbox " + name + ": guest port " + guestPort
                    + " is not exposed (withExposedPorts); exposed: " + ports.keySet());
        return p;
    }

    Map<Integer, Integer> ports() {
        return ports;
    }

    ExecResult exec(ExecRequest request) throws IOException, InterruptedException {
        return sandbox.agent().run(request, null);
    }

    void copyTo(Path hostFile, String guestPath) throws IOException, InterruptedException {
        int mode = Files.getFileAttributeView(hostFile, PosixFileAttributeView.class) == null
                ? 0644
                : modeOf(Files.getPosixFilePermissions(hostFile));
        try (InputStream in = Files.newInputStream(hostFile)) {
            sandbox.agent().copyIn(in, guestPath, mode);
        }
    }

    void copyFrom(String guestPath, Path hostFile) throws IOException, InterruptedException {
        Path tmp = Files.createTempFile(hostFile.toAbsolutePath().getParent(), ".jvmm-copy-", ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                sandbox.agent().copyOut(guestPath, out);
            }
            Files.move(tmp, hostFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static int modeOf(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) mode |= 1 << (8 - p.ordinal());
        return mode;
    }

    /** Why the VM ended, if it has. */
    Optional<VmExit> exit() {
        return sandbox.vm().exitReason();
    }

    String consoleTail(int lines) {
        return sandbox.consoleTail(lines);
    }

    /** Ends the VM at once: a test's VM holds nothing worth a graceful shutdown. */
    @Override
    public void close() {
        if (command != null) command.close();
        sandbox.close();
    }
}
