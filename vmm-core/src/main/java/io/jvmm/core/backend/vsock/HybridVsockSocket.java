package io.jvmm.core.backend.vsock;

import io.jvmm.core.ConfigException;
import io.jvmm.files.Closeables;
import io.jvmm.virtio.vsock.VsockDevice;
import io.jvmm.virtio.vsock.VsockStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger.Level;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Firecracker's hybrid vsock over Unix sockets. Host to guest: a program connects to {@code path},
 * writes {@code CONNECT <port>\n} and reads {@code OK <hostport>\n}; from then on the socket is the
 * stream (a refused or unanswered connect closes the socket instead). Guest to host: a guest
 * connection to host port P is forwarded to the Unix socket {@code <path>_P}, which some program
 * must be listening on; otherwise the guest's connect is reset.
 *
 * <p>Each bridged stream has two platform threads ({@code vsock-uds-<port>-in/out}) copying bytes;
 * ends of stream travel as half-closes both ways.
 */
public final class HybridVsockSocket implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(HybridVsockSocket.class.getName());
    /** The CONNECT line is short; a client that sends more than this without a newline is dropped. */
    private static final int MAX_LINE = 64;

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    private final Path path;
    private final VsockDevice device;
    private final ServerSocketChannel server;
    private final Thread acceptor;
    private final Set<AutoCloseable> open = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private HybridVsockSocket(Path path, VsockDevice device, ServerSocketChannel server) {
        this.path = path;
        this.device = device;
        this.server = server;
        this.acceptor = Thread.ofPlatform().name("vsock-uds-accept").daemon().unstarted(this::acceptLoop);
    }

    /**
     * Binds {@code path} (which must not exist: a stale socket of a VM that is gone is an error the
     * user resolves) and starts serving. {@code key} names the setting in errors.
     */
    public static HybridVsockSocket open(String key, Path path, VsockDevice device) {
        if (Files.exists(path))
            throw new ConfigException(key, path + " already exists (another VM's socket? remove it first)");
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null && !Files.isDirectory(dir))
            throw new ConfigException(key, "directory " + dir + " does not exist");
        ServerSocketChannel server;
        try {
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
        } catch (IOException | UnsupportedOperationException e) {
            throw new ConfigException(key, "cannot listen on " + path + ": " + e.getMessage());
        }
        HybridVsockSocket h = new HybridVsockSocket(path, device, server);
        device.setFallback(h::forwardToHost);
        h.acceptor.start();
        return h;
    }

    public Path path() {
        return path;
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (IOException e) {
                if (!closed) LOG.log(Level.WARNING, "vsock socket {0}: accept failed: {1}", path, e.toString());
                return;
            }
            Thread.ofPlatform().name("vsock-uds-connect").daemon().start(() -> handshake(client));
        }
    }

    /** Reads {@code CONNECT <port>\n}, connects to the guest, answers {@code OK <hostport>\n}. */
    private void handshake(SocketChannel client) {
        try {
            String line = readLine(client);
            int port = parseConnect(line);
            if (port < 0) {
                LOG.log(Level.WARNING, "vsock socket {0}: expected \"CONNECT <port>\", got \"{1}\"", path, line);
                client.close();
                return;
            }
            VsockStream stream;
            try {
                stream = device.connect(port, CONNECT_TIMEOUT);
            } catch (IOException e) {
                LOG.log(Level.DEBUG, "vsock socket {0}: CONNECT {1}: {2}", path, port, e.getMessage());
                client.close();
                return;
            }
            client.write(ByteBuffer.wrap(("OK " + stream.hostPort() + "\n").getBytes(StandardCharsets.US_ASCII)));
            bridge(client, stream, "vsock-uds-" + port);
        } catch (IOException | InterruptedException e) {
            Closeables.closeQuietly(client);
        }
    }

    /** One line, read byte by byte so nothing after the newline is consumed. */
    private static String readLine(SocketChannel ch) throws IOException {
        StringBuilder b = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (b.length() <= MAX_LINE) {
            one.clear();
            if (ch.read(one) < 0) break;
            char c = (char) (one.get(0) & 0xff);
            if (c == '\n') return b.toString();
            b.append(c);
        }
        return b.toString();
    }

    /** The port of {@code CONNECT <port>}, or -1. */
    static int parseConnect(String line) {
        if (line == null || !line.startsWith("CONNECT ")) return -1;
        String p = line.substring(8).trim();
        if (p.isEmpty() || p.length() > 10 || !p.chars().allMatch(Character::isDigit)) return -1;
        long v = Long.parseLong(p);
        return v > 0xffff_ffffL ? -1 : (int) v;
    }

    /** The device asks about a guest connection to {@code hostPort}: forward it to {@code <path>_<port>}. */
    private boolean forwardToHost(int hostPort, VsockStream stream) {
        if (closed) return false;
        Path target = Path.of(path + "_" + Integer.toUnsignedString(hostPort));
        SocketChannel ch;
        try {
            // Non-blocking: this runs on the device's tx thread, and a listener whose backlog is full
            // must not stall the guest's queue (a Unix connect then fails with EAGAIN at once).
            ch = SocketChannel.open(StandardProtocolFamily.UNIX);
            ch.configureBlocking(false);
            if (!ch.connect(UnixDomainSocketAddress.of(target))) {
                ch.close();
                return false;
            }
            ch.configureBlocking(true);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "vsock: guest connection to host port {0}: {1}: {2}", hostPort, target, e.toString());
            return false;
        }
        Thread.ofPlatform().name("vsock-uds-bridge").daemon().start(() -> bridge(ch, stream, "vsock-uds-" + hostPort));
        return true;
    }

    private void bridge(SocketChannel socket, VsockStream stream, String name) {
        AutoCloseable both = () -> {
            Closeables.closeQuietly(socket);
            stream.close();
        };
        open.add(both);
        InputStream fromSocket = Channels.newInputStream(socket);
        OutputStream toSocket = Channels.newOutputStream(socket);
        // A clean end of stream is passed on as a half-close; an error (a reset, a dead socket) ends both.
        Thread in = Thread.ofPlatform().name(name + "-in").daemon().start(() -> {
            if (copy(fromSocket, stream.output())) {
                stream.shutdownOutput();
            } else {
                Closeables.closeQuietly(socket);
                stream.close();
            }
        });
        Thread out = Thread.ofPlatform().name(name + "-out").daemon().start(() -> {
            if (copy(stream.input(), toSocket)) {
                try {
                    socket.shutdownOutput();
                } catch (IOException e) {
                    Closeables.closeQuietly(socket);
                }
            } else {
                Closeables.closeQuietly(socket);
                stream.close();
            }
        });
        Thread.ofPlatform().name(name + "-close").daemon().start(() -> {
            try {
                in.join();
                out.join();
            } catch (InterruptedException ignored) {
                // closing anyway
            }
            open.remove(both);
            Closeables.closeQuietly(both);
        });
    }

    /** Copies until end of stream (true) or an error on either side (false). */
    private static boolean copy(InputStream in, OutputStream out) {
        byte[] buf = new byte[64 * 1024];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                out.flush();
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Stops listening, removes the socket file and ends every bridged stream. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        device.setFallback(null);
        Closeables.closeQuietly(server);
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "vsock socket {0}: cannot remove: {1}", path, e.toString());
        }
        for (AutoCloseable c : open) Closeables.closeQuietly(c);
        open.clear();
    }
}
