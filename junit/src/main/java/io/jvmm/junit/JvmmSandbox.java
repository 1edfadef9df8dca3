package io.jvmm.junit;

import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecResult;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A microVM for a test, defined fluently and started like a Testcontainers container:
 *
 * <pre>{@code
 * try (JvmmSandbox s = JvmmSandbox.fromImage("localhost:5000/app:1").withExposedPorts(8080)
 *         .waitingFor(Wait.forHttp("/health")).start()) {
 *     HttpClient.newHttpClient().send(request(s.getHost(), s.getMappedPort(8080)), ...);
 *     assertEquals(0, s.execInContainer("test", "-f", "/data/ready").exitCode());
 * }
 * }</pre>
 *
 * Under {@link JvmmTest} a {@link Vm} field is started and stopped by the extension, and so is one
 * registered with {@code @RegisterExtension} (static: per class; instance: per test). With
 * {@link #withRestorePerTest()} (or {@code @Vm(restorePerTest = true)}) it boots once per class, is
 * snapshotted when ready, and every test works on its own restored copy; the methods below then act
 * on the copy of the calling test's thread.
 */
public final class JvmmSandbox
        implements AutoCloseable, BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    final SandboxDefinition definition;
    private SandboxInstance started;
    private SandboxTemplate template;
    private final InheritableThreadLocal<SandboxInstance> copy = new InheritableThreadLocal<>();
    private boolean classScoped;

    private JvmmSandbox(SandboxDefinition definition) {
        this.definition = definition;
    }

    /** A VM whose root is the OCI image {@code reference} (from the image store, pulled when missing). */
    public static JvmmSandbox fromImage(String reference) {
        return new JvmmSandbox(SandboxDefinition.ofImage(Objects.requireNonNull(reference), name()));
    }

    /** A VM whose root is a root image file (ext4, erofs or squashfs), used read-only under an overlay. */
    public static JvmmSandbox fromRootfs(Path rootImage) {
        return new JvmmSandbox(SandboxDefinition.ofRootfs(Objects.requireNonNull(rootImage), name()));
    }

    /**
     * A VM whose root is a host directory, served through virtio-fs read-only under an overlay: what
     * the guest writes stays in the VM (and every restored copy starts from the directory as it was).
     */
    public static JvmmSandbox fromDirectory(Path dir) {
        return new JvmmSandbox(SandboxDefinition.ofDirectory(Objects.requireNonNull(dir), name()));
    }

    private static String name() {
        return "junit-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    }

    // ---- definition ----

    /** The VM's name in messages (default {@code junit-PID-N}). */
    public JvmmSandbox withName(String name) {
        definition.name = Objects.requireNonNull(name);
        return this;
    }

    /** The command to run as the VM's main process (default: the image's Entrypoint and Cmd; none for a root image). */
    public JvmmSandbox withCommand(String... argv) {
        definition.command = List.of(argv);
        return this;
    }

    public JvmmSandbox withEnv(String key, String value) {
        definition.env.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
        return this;
    }

    /** Guest TCP ports reachable from the host, each on a free host port ({@link #getMappedPort}). */
    public JvmmSandbox withExposedPorts(int... guestPorts) {
        for (int p : guestPorts) {
            if (p < 1 || p > 65535) throw new IllegalArgumentException("port must be 1..65535, got " + p);
            definition.exposed.add(p);
        }
        return this;
    }

    /** A host directory at {@code guestPath} through virtio-fs; writes land in the directory unless {@code readOnly}. */
    public JvmmSandbox withFileSystemBind(Path hostDir, String guestPath, boolean readOnly) {
        definition.binds.add(new SandboxDefinition.Bind(hostDir.toAbsolutePath(), guestPath, readOnly));
        return this;
    }

    public JvmmSandbox withCpus(int cpus) {
        definition.cpus = cpus;
        return this;
    }

    public JvmmSandbox withMemoryMib(long mib) {
        definition.memoryMib = mib;
        return this;
    }

    /** How the started VM is known to be ready (default: the agent answered, {@link Wait#forAgent()}). */
    public JvmmSandbox waitingFor(WaitStrategy strategy) {
        definition.wait = Objects.requireNonNull(strategy);
        return this;
    }

    /** How long the boot and the wait strategy may take together (default 30 s; 5 min on kvm_pvm hosts). */
    public JvmmSandbox withStartupTimeout(Duration timeout) {
        definition.startupTimeout = Objects.requireNonNull(timeout);
        return this;
    }

    /** Boot once, snapshot when ready, and give every test a restored copy (for a class-wide sandbox). */
    public JvmmSandbox withRestorePerTest() {
        definition.restorePerTest = true;
        return this;
    }

    // ---- lifecycle ----

    /** Boots the VM, starts its command and waits until it is ready; returns this. */
    public synchronized JvmmSandbox start() {
        if (started != null) return this;
        try {
            started = bootReady();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JvmmSandboxException("sandbox " + definition.name + ": interrupted while starting");
        }
        return this;
    }

    /** Whether a VM is running for the caller (its own, or the calling test's copy). */
    public boolean isRunning() {
        SandboxInstance i = copy.get();
        if (i == null) {
            synchronized (this) {
                i = started;
            }
        }
        return i != null && i.exit().isEmpty();
    }

    /** Stops the VM (or the calling test's copy); a stopped sandbox may be started again. */
    public void stop() {
        SandboxInstance mine = copy.get();
        if (mine != null) {
            copy.remove();
            mine.close();
            return;
        }
        synchronized (this) {
            if (started != null) started.close();
            started = null;
        }
    }

    @Override
    public void close() {
        stop();
        synchronized (this) {
            if (template != null) template.close();
            template = null;
        }
    }

    synchronized void prepareTemplate() {
        if (template == null) template = SandboxTemplate.create(this);
    }

    /**
     * Restores the calling thread's copy (restore per test) and hands it over once the wait strategy
     * passes on it too: a copy's network comes up through a passt of its own, after the restore.
     */
    void beginCopy() {
        SandboxTemplate t;
        synchronized (this) {
            t = template;
        }
        if (t == null) throw new IllegalStateException("sandbox " + definition.name + ": no template booted");
        SandboxInstance mine = t.restoreCopy();
        copy.set(mine);
        try {
            definition.wait.waitUntilReady(this, definition.startupTimeout);
        } catch (RuntimeException | InterruptedException e) {
            copy.remove();
            mine.close();
            if (e instanceof InterruptedException) Thread.currentThread().interrupt();
            throw new JvmmSandboxException(
                    "sandbox " + definition.name + ": a restored copy is not ready: " + e.getMessage(), e);
        }
    }

    void endCopy() {
        SandboxInstance mine = copy.get();
        copy.remove();
        if (mine != null) mine.close();
    }

    /**
     * Boots a VM of this definition and waits until the strategy says it is ready; the strategy sees it
     * as the calling thread's VM. On failure the VM is closed and the error carries its last console lines.
     */
    SandboxInstance bootReady() throws InterruptedException {
        SandboxDefinition.Resolved r = definition.resolve();
        Map<Integer, Integer> ports = definition.freePorts();
        long deadline = System.nanoTime() + definition.startupTimeout.toNanos();
        SandboxInstance i = SandboxInstance.boot(
                definition.name, definition.config(r, ports, definition.name), ports, SandboxDefinition.command(r));
        SandboxInstance outer = copy.get();
        copy.set(i);
        try {
            Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
            definition.wait.waitUntilReady(this, left);
            return i;
        } catch (RuntimeException | InterruptedException e) {
            String tail = i.consoleTail(10);
            String exit = i.exit().map(x -> "; the VM ended: " + x.describe()).orElse("");
            i.close();
            if (e instanceof InterruptedException ie) throw ie;
            throw new JvmmSandboxException(
                    e.getMessage() + exit + (tail.isEmpty() ? "" : "\nlast console lines:\n" + tail), e);
        } finally {
            if (outer == null) copy.remove();
            else copy.set(outer);
        }
    }

    /** The VM the caller works on: its test's copy, else the started one. */
    SandboxInstance current() {
        SandboxInstance i = copy.get();
        if (i != null) return i;
        synchronized (this) {
            if (started != null) return started;
        }
        throw new IllegalStateException("sandbox " + definition.name + " is not started"
                + (definition.restorePerTest ? " (restore per test: call it from a test method)" : ""));
    }

    // ---- the running VM ----

    /** The host port that forwards to {@code guestPort} (one of {@link #withExposedPorts}). */
    public int getMappedPort(int guestPort) {
        return current().mappedPort(guestPort);
    }

    /** The host to connect to for a mapped port. */
    public String getHost() {
        return "localhost";
    }

    /**
     * Runs {@code argv} in the guest with the sandbox's environment (the agent gives every exec the
     * VM's configured env: the image's, overridden by {@link #withEnv}); returns its exit code and output.
     */
    public ExecResult execInContainer(String... argv) throws IOException, InterruptedException {
        return current().exec(ExecRequest.of(argv));
    }

    /** Copies a host file into the guest (atomically, with the file's permission bits). */
    public void copyFileToContainer(Path hostFile, String guestPath) throws IOException, InterruptedException {
        current().copyTo(hostFile, guestPath);
    }

    /** Copies a regular file of the guest to {@code hostFile} (replaced atomically). */
    public void copyFileFromContainer(String guestPath, Path hostFile) throws IOException, InterruptedException {
        current().copyFrom(guestPath, hostFile);
    }

    /** What the command printed so far, stdout and stderr interleaved. */
    public String getLogs() {
        return current().log().text();
    }

    /** Passes every later line the command prints to {@code consumer}. */
    public void followOutput(Consumer<String> consumer) {
        current().log().follow(consumer);
    }

    /** Freezes the VM's vCPUs (the guest's clock jumps when it resumes, as after a host suspend). */
    public void pause() throws InterruptedException {
        current().sandbox().vm().pause();
    }

    public void unpause() {
        current().sandbox().vm().resume();
    }

    /** The last lines of the guest's console (kernel and agent messages), for diagnostics. */
    public String consoleTail(int lines) {
        return current().consoleTail(lines);
    }

    /** The guest ports and the host ports they are mapped to. */
    public Map<Integer, Integer> getMappedPorts() {
        return new LinkedHashMap<>(current().ports());
    }

    public String getName() {
        return definition.name;
    }

    // ---- as a JUnit extension (@RegisterExtension) ----

    @Override
    public void beforeAll(ExtensionContext context) {
        classScoped = true;
        if (definition.restorePerTest) prepareTemplate();
        else start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!classScoped) start();
        else if (definition.restorePerTest) beginCopy();
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!classScoped) stop();
        else if (definition.restorePerTest) endCopy();
    }
}
