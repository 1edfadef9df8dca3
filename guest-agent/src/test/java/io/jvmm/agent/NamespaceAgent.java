package io.jvmm.agent;

import io.jvmm.files.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.URISyntaxException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The agent running as PID 1 of fresh PID, mount, UTS and network namespaces on this host
 * ({@code unshare}), with a test root directory: the closest thing to a VM without booting one.
 */
public final class NamespaceAgent implements AutoCloseable {
    public final Path dir, root, socket;
    public final Process process;
    public final AgentChannel readiness;
    public final Hello hello;
    public final AgentClient client;
    private final Path log;

    private NamespaceAgent(
            Path dir, Path root, Path socket, Process process, AgentChannel readiness, Hello hello, Path log) {
        this.dir = dir;
        this.root = root;
        this.socket = socket;
        this.process = process;
        this.readiness = readiness;
        this.hello = hello;
        this.client = AgentClient.unix(socket);
        this.log = log;
    }

    /** Why agents cannot run here, or empty when they can. */
    public static Optional<String> unavailableReason() {
        try {
            Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            if (!Integer.valueOf(0).equals(uid)) return Optional.of("needs root (uid is " + uid + ")");
        } catch (IOException | UnsupportedOperationException e) {
            return Optional.of("cannot determine the uid: " + e);
        }
        if (findUnshare().isEmpty()) return Optional.of("unshare (util-linux) not found");
        if (agentBinary().isEmpty())
            return Optional.of("agent binary io/jvmm/agent/jvmm-agent not on the classpath (run the Maven build)");
        if (TestRootfs.staticBusybox().isEmpty())
            return Optional.of("no static busybox (apt-get install busybox-static)");
        return Optional.empty();
    }

    static Optional<Path> findUnshare() {
        for (String p : List.of("/usr/bin/unshare", "/bin/unshare", "/usr/sbin/unshare"))
            if (Files.isExecutable(Path.of(p))) return Optional.of(Path.of(p));
        return Optional.empty();
    }

    private static Path extracted;

    /** The agent binary: the build's file, or (from another module's classpath) a copy out of the jar. */
    static synchronized Optional<Path> agentBinary() {
        var url = NamespaceAgent.class.getClassLoader().getResource("io/jvmm/agent/jvmm-agent");
        if (url == null) return Optional.empty();
        try {
            if ("file".equals(url.getProtocol())) {
                Path p = Path.of(url.toURI());
                return Files.isExecutable(p) ? Optional.of(p) : Optional.empty();
            }
            if (extracted == null) {
                Path p = Files.createTempFile("jvmm-agent-", "");
                try (var in = url.openStream()) {
                    Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
                }
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
                p.toFile().deleteOnExit();
                extracted = p;
            }
            return Optional.of(extracted);
        } catch (URISyntaxException | IOException e) {
            return Optional.empty();
        }
    }

    /** Adds to the agent's root before it starts (the agent sees it read-only under an overlay). */
    @FunctionalInterface
    public interface RootSetup {
        void prepare(Path root) throws IOException, InterruptedException;
    }

    /** Builds a root under a new temp dir and starts an agent on it; returns once HELLO arrived. */
    public static NamespaceAgent start(String hostname) throws IOException, InterruptedException {
        return start(hostname, false, root -> {});
    }

    /**
     * As {@link #start(String)}; with {@code rootItself} the root directory is {@code /} read-write
     * ({@code overlay no}) instead of the lower layer of an overlay.
     */
    public static NamespaceAgent start(String hostname, boolean rootItself) throws IOException, InterruptedException {
        return start(hostname, rootItself, root -> {});
    }

    /** Like {@link #start(String)}, with {@code setup} adding to the root first. */
    public static NamespaceAgent start(String hostname, RootSetup setup) throws IOException, InterruptedException {
        return start(hostname, false, setup);
    }

    private static NamespaceAgent start(String hostname, boolean rootItself, RootSetup setup)
            throws IOException, InterruptedException {
        return start(hostname, rootItself, setup, List.of());
    }

    /** Like {@link #start(String, RootSetup)}, with {@code live} directories of the root (see {@link AgentConfig.Builder#live}). */
    public static NamespaceAgent start(String hostname, RootSetup setup, List<String> live)
            throws IOException, InterruptedException {
        return start(hostname, false, setup, live);
    }

    private static NamespaceAgent start(String hostname, boolean rootItself, RootSetup setup, List<String> live)
            throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("jvmm-agent-");
        Path root = TestRootfs.create(
                dir.resolve("root"), TestRootfs.staticBusybox().orElseThrow());
        setup.prepare(root);
        Path socket = dir.resolve("agent.sock"),
                readySocket = dir.resolve("ready.sock"),
                conf = dir.resolve("agent.conf");
        Path log = dir.resolve("agent.log");
        AgentConfig.Builder config = AgentConfig.builder()
                .listenUnix(socket)
                .readyUnix(readySocket)
                .hostname(hostname)
                .rootDirectory(root)
                .env("JVMM_TEST=1");
        if (rootItself) config.rootItself();
        live.forEach(config::live);
        Files.writeString(conf, config.build().render());
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(readySocket));
        List<String> cmd = new ArrayList<>(List.of(
                findUnshare().orElseThrow().toString(),
                "--fork",
                "--pid",
                "--mount",
                "--uts",
                "--net",
                "--propagation",
                "private",
                // if unshare dies (the test was killed), the kernel kills the agent and its namespace
                "--kill-child",
                agentBinary().orElseThrow().toString(),
                "--config",
                conf.toString()));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        CompletableFuture<Object[]> accepted = CompletableFuture.supplyAsync(() -> {
            try {
                SocketChannel ch = server.accept();
                AgentChannel a = UnixAgentChannel.of(ch);
                return new Object[] {a, Hello.read(a)};
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        try {
            Object[] r = accepted.get(10, TimeUnit.SECONDS);
            return new NamespaceAgent(dir, root, socket, p, (AgentChannel) r[0], (Hello) r[1], log);
        } catch (ExecutionException | TimeoutException e) {
            p.destroyForcibly();
            throw new IOException("agent did not say HELLO: " + e + "\nagent log:\n" + readLog(log), e);
        } finally {
            server.close();
        }
    }

    /** The host pid of the agent (PID 1 inside), the child of unshare. */
    public long agentHostPid() {
        return process.toHandle().children().findFirst().orElseThrow().pid();
    }

    public String log() {
        return readLog(log);
    }

    private static String readLog(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            readiness.close();
        } finally {
            if (process.isAlive()) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS))
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            FileTrees.delete(dir);
        }
    }
}
