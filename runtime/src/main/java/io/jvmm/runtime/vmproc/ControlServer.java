package io.jvmm.runtime.vmproc;

import io.jvmm.agent.AgentChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

/** Serves {@link ControlProtocol} on the VM's control socket; one platform thread per connection. */
public final class ControlServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(ControlServer.class.getName());

    /** What the VM process does for each request. */
    public interface Handler {
        /** A new connection to the agent; throws IOException when the agent is not ready. */
        AgentChannel openAgent() throws IOException, InterruptedException;

        /** Streams the workload to {@code out} and feeds {@code in} to its stdin until either ends. */
        void attach(InputStream in, OutputStream out) throws IOException, InterruptedException;

        /** Starts a graceful stop; returns at once. */
        void stop(Duration grace);

        /** "starting", "ready" or "paused". */
        String status();

        /** Sends {@code signo} to the workload; IOException when there is none (or it has ended). */
        void kill(int signo) throws IOException;

        /** Pauses ({@code true}) or resumes the vCPUs. */
        void pause(boolean paused) throws IOException, InterruptedException;

        /** Snapshots the running VM to {@code dir} and resumes it; returns the bytes written. */
        long snapshot(Path dir) throws IOException, InterruptedException;

        /** Changes the rate limit of {@code device} ({@code disk}, {@code net-rx} or {@code net-tx}) to {@code spec}. */
        void limit(String device, String spec) throws IOException;
    }

    private final Path path;
    private final ServerSocketChannel server;
    private final Handler handler;
    private final Thread acceptor;
    private volatile boolean closed;

    private ControlServer(Path path, ServerSocketChannel server, Handler handler, String vmName) {
        this.path = path;
        this.server = server;
        this.handler = handler;
        this.acceptor =
                Thread.ofPlatform().daemon().name("vm-control-" + vmName).start(this::acceptLoop);
    }

    public static ControlServer start(Path path, Handler handler, String vmName) throws IOException {
        Files.createDirectories(path.getParent());
        Files.deleteIfExists(path); // a stale socket of a dead VM process with the same id
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        return new ControlServer(path, s, handler, vmName);
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel c;
            try {
                c = server.accept();
            } catch (IOException e) {
                if (!closed) LOG.log(Level.WARNING, "control socket: accept failed: {0}", e.getMessage());
                return;
            }
            Thread.ofPlatform().daemon().name("vm-control-conn").start(() -> serve(c));
        }
    }

    private void serve(SocketChannel c) {
        try (c) {
            InputStream in = Channels.newInputStream(c);
            OutputStream out = Channels.newOutputStream(c);
            String line = readLine(in);
            if (line == null) return;
            String[] parts = line.split(" ", 2);
            switch (parts[0]) {
                case ControlProtocol.AGENT -> {
                    AgentChannel agent;
                    try {
                        agent = handler.openAgent();
                    } catch (IOException e) {
                        reply(out, "ERR " + oneLine(e.getMessage()));
                        return;
                    }
                    reply(out, "OK");
                    Splice.run(in, out, c::shutdownOutput, agent);
                }
                case ControlProtocol.ATTACH -> {
                    reply(out, "OK");
                    handler.attach(in, out);
                }
                case ControlProtocol.STOP -> {
                    long ms;
                    try {
                        ms = parts.length > 1 ? Long.parseLong(parts[1].trim()) : 10_000;
                    } catch (NumberFormatException e) {
                        reply(out, "ERR bad grace period: " + oneLine(parts[1]));
                        return;
                    }
                    reply(out, "OK");
                    handler.stop(Duration.ofMillis(Math.max(0, ms)));
                }
                case ControlProtocol.STATUS -> reply(out, "OK " + handler.status());
                case ControlProtocol.SNAPSHOT -> {
                    Path dir = parts.length > 1 ? Path.of(parts[1]) : null;
                    if (dir == null || !dir.isAbsolute()) {
                        reply(out, "ERR SNAPSHOT needs an absolute directory");
                        return;
                    }
                    try {
                        reply(out, "OK " + handler.snapshot(dir));
                    } catch (IOException | RuntimeException e) {
                        reply(out, "ERR " + oneLine(e.getMessage()));
                    }
                }
                case ControlProtocol.LIMIT -> {
                    String[] args = parts.length > 1 ? parts[1].split(" ", 2) : new String[0];
                    if (args.length != 2) {
                        reply(out, "ERR LIMIT needs a device and a limit");
                        return;
                    }
                    try {
                        handler.limit(args[0], args[1].trim());
                        reply(out, "OK");
                    } catch (IOException | RuntimeException e) {
                        reply(out, "ERR " + oneLine(e.getMessage()));
                    }
                }
                case ControlProtocol.KILL -> {
                    int signo;
                    try {
                        signo = Integer.parseInt(parts.length > 1 ? parts[1].trim() : "");
                    } catch (NumberFormatException e) {
                        reply(out, "ERR KILL needs a signal number");
                        return;
                    }
                    if (signo < 1 || signo > 64) {
                        reply(out, "ERR signal " + signo + " is not 1..64");
                        return;
                    }
                    try {
                        handler.kill(signo);
                        reply(out, "OK");
                    } catch (IOException | RuntimeException e) {
                        reply(out, "ERR " + oneLine(e.getMessage()));
                    }
                }
                case ControlProtocol.PAUSE, ControlProtocol.RESUME -> {
                    try {
                        handler.pause(parts[0].equals(ControlProtocol.PAUSE));
                        reply(out, "OK");
                    } catch (IOException | RuntimeException e) {
                        reply(out, "ERR " + oneLine(e.getMessage()));
                    }
                }
                default -> reply(out, "ERR unknown request: " + oneLine(parts[0]));
            }
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "control connection ended: {0}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One '\n'-terminated ASCII line, at most MAX_LINE bytes; null at EOF or when too long. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int ch;
        while ((ch = in.read()) >= 0 && ch != '\n') {
            if (b.size() >= ControlProtocol.MAX_LINE) return null;
            b.write(ch);
        }
        if (ch < 0 && b.size() == 0) return null;
        return b.toString(StandardCharsets.US_ASCII);
    }

    private static void reply(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replace('\n', ' ').replace('\r', ' ');
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // Closing a listening socket does not fail in a way that matters here.
        }
        acceptor.interrupt();
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // The VM's run directory is removed by rm anyway.
        }
    }
}
