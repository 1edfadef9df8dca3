package io.jvmm.core.net;

import io.jvmm.core.ConfigException;
import io.jvmm.virtio.net.NetBackend;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.lang.foreign.MemorySegment;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * User-mode networking through passt (Debian package {@code passt}), one child process per VM: passt
 * gives the guest DHCP, DNS and NAT to the host's network without root, and forwards host ports
 * ({@code -t}/{@code -u}). Frames travel over its Unix socket in qemu's stream format: a 4-byte
 * big-endian length, then the frame.
 *
 * <p>passt runs with {@code -1} (serve one client, then exit), so even if this JVM is killed the
 * closed socket ends passt: it never outlives the VM. {@link #close()} also terminates it.
 */
public final class PasstBackend implements NetBackend {
    private static final System.Logger LOG = System.getLogger(PasstBackend.class.getName());
    private static final long START_TIMEOUT_MS = 10_000;

    private final Process process;
    private final SocketChannel channel;
    private final Path dir;
    private final ByteBuffer lengthOut = ByteBuffer.allocateDirect(4).order(ByteOrder.BIG_ENDIAN);
    private volatile boolean closed;
    private Thread reader;

    private PasstBackend(Process process, SocketChannel channel, Path dir) {
        this.process = process;
        this.channel = channel;
        this.dir = dir;
    }

    /** Starts passt with {@code forwards}; errors name {@code key} (the setting) and passt's own message. */
    public static PasstBackend start(String key, List<PortForward> forwards) { return start(key, forwards, null); }

    /**
     * Starts passt with {@code forwards} and, when {@code ipv4} is given, that guest address, gateway
     * and DNS forwarder instead of passt's default copy of the host's; errors name {@code key}.
     */
    public static PasstBackend start(String key, List<PortForward> forwards, io.jvmm.core.NetConfig.Ipv4 ipv4) {
        Path passt = findPasst();
        if (passt == null) throw new ConfigException(key, "passt is not installed (Debian: apt-get install passt)");
        Path dir;
        try {
            dir = Files.createTempDirectory("jvmm-passt-");
            // Started as root, passt drops to nobody before it creates its socket.
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        } catch (IOException e) {
            throw new ConfigException(key, "cannot create a directory for passt's socket: " + e.getMessage());
        }
        Path sock = dir.resolve("passt.sock");
        List<String> cmd = new ArrayList<>(List.of(passt.toString(), "-f", "-1", "-q", "-s", sock.toString()));
        for (PortForward f : forwards) cmd.addAll(List.of(f.passtArgs()));
        if (ipv4 != null) {
            cmd.addAll(List.of("-a", ipv4.address(), "-n", Integer.toString(ipv4.prefix()), "-g", ipv4.gateway(),
                    "--dns-forward", ipv4.dns(), "-D", ipv4.dns()));
        }
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("passt.log").toFile()).start();
        } catch (IOException e) {
            deleteTree(dir);
            throw new ConfigException(key, "cannot start passt: " + e.getMessage());
        }
        long deadline = System.nanoTime() + START_TIMEOUT_MS * 1_000_000;
        try {
            while (!Files.exists(sock)) {
                if (!p.isAlive()) throw new ConfigException(key, "passt exited with status " + p.exitValue() + " without creating its socket in "
                        + dir + (isRoot() ? " (started as root it runs as nobody, which must be able to reach that directory)" : "")
                        + ": " + lastLine(dir));
                if (System.nanoTime() > deadline) throw new ConfigException(key, "passt did not create its socket within " + START_TIMEOUT_MS + " ms");
                Thread.sleep(2);
            }
            SocketChannel ch = null;
            while (ch == null) {
                try {
                    ch = SocketChannel.open(UnixDomainSocketAddress.of(sock));
                } catch (IOException e) {
                    // The file exists a moment before passt listens on it.
                    if (!p.isAlive()) throw new ConfigException(key, "passt exited with status " + p.exitValue() + ": " + lastLine(dir));
                    if (System.nanoTime() > deadline) throw new ConfigException(key, "cannot connect to passt: " + e.getMessage());
                    Thread.sleep(2);
                }
            }
            return new PasstBackend(p, ch, dir);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            deleteTree(dir);
            throw new ConfigException(key, "interrupted while starting passt");
        } catch (RuntimeException e) {
            p.destroyForcibly();
            deleteTree(dir);
            throw e;
        }
    }

    private static boolean isRoot() { return "root".equals(System.getProperty("user.name")); }

    private static Path findPasst() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String d : (path + ":/usr/bin:/usr/sbin").split(":")) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, "passt");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    private static String lastLine(Path dir) {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("passt.log"), StandardCharsets.UTF_8);
            for (int i = lines.size() - 1; i >= 0; i--) if (!lines.get(i).isBlank()) return lines.get(i).trim();
        } catch (IOException ignored) {
            // nothing to quote
        }
        return "(no message)";
    }

    /** The child's pid, for diagnostics and tests. */
    public long pid() { return process.pid(); }

    @Override
    public String describe() { return "passt (pid " + process.pid() + ")"; }

    @Override
    public void send(MemorySegment frame) throws IOException {
        synchronized (lengthOut) {
            lengthOut.clear();
            lengthOut.putInt((int) frame.byteSize()).flip();
            ByteBuffer[] both = {lengthOut, frame.asByteBuffer()};
            while (both[1].hasRemaining()) {
                if (channel.write(both) < 0) throw new IOException("passt closed its socket");
            }
        }
    }

    @Override
    public void start(FrameSink sink) {
        reader = Thread.ofPlatform().name("passt-rx-" + process.pid()).daemon().start(() -> readLoop(sink));
    }

    /**
     * Reads passt's stream in large chunks and cuts it into frames: one read(2) usually carries many
     * frames when traffic is heavy, instead of two reads per frame.
     */
    private void readLoop(FrameSink sink) {
        // Direct, so NIO reads into it without a temporary copy, and frames go from it into guest RAM.
        ByteBuffer buf = ByteBuffer.allocateDirect(256 * 1024).order(ByteOrder.BIG_ENDIAN);
        MemorySegment seg = MemorySegment.ofBuffer(buf);
        try {
            while (!closed) {
                if (channel.read(buf) < 0) break;
                buf.flip();
                while (buf.remaining() >= 4) {
                    int n = buf.getInt(buf.position());
                    if (n <= 0 || n > 65535 + 18) throw new IOException("passt sent a frame length of " + n);
                    if (buf.remaining() < 4 + n) break;
                    int at = buf.position() + 4;
                    sink.accept(seg.asSlice(at, n));
                    buf.position(at + n);
                }
                sink.endOfBatch();
                buf.compact();
            }
        } catch (IOException e) {
            if (!closed) LOG.log(Level.WARNING, "{0}: {1}", describe(), e.getMessage());
        }
        if (!closed) LOG.log(Level.WARNING, "{0}: the connection ended; the guest's network is down", describe());
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // going away anyway
        }
        process.destroy();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        deleteTree(dir);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is harmless
        }
    }
}
