package io.jvmm.shim.ttrpc;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A ttrpc server on a Unix socket: an accept thread, a reader thread per connection, and a thread per
 * request, so a long call (containerd's Wait) never holds up the others on its connection.
 */
public final class TtrpcServer implements AutoCloseable {
    private final Path socket;
    private final ServerSocketChannel listener;
    private final Map<String, TtrpcService> services;
    private final Consumer<String> log;
    private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connectionIds = new AtomicInteger();
    private final Thread acceptor;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean stopRequested;

    private TtrpcServer(Path socket, ServerSocketChannel listener, List<TtrpcService> services, Consumer<String> log) {
        this.socket = socket;
        this.listener = listener;
        this.services =
                services.stream().collect(Collectors.toUnmodifiableMap(TtrpcService::name, Function.identity()));
        this.log = log;
        this.acceptor = Thread.ofPlatform().name("ttrpc-accept").daemon().unstarted(this::acceptLoop);
    }

    /**
     * Binds {@code socket}, which must not exist yet; connections wait in its backlog until {@link #start}.
     * {@code log} takes one line per failed connection.
     */
    public static TtrpcServer bind(Path socket, List<TtrpcService> services, Consumer<String> log) throws IOException {
        Files.createDirectories(socket.toAbsolutePath().getParent());
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new TtrpcServer(socket, ch, services, log);
    }

    /**
     * Starts accepting connections. Separate from {@link #bind}, so that whatever the services' handlers
     * reach (this server itself, for Shutdown) is in place before the first request can arrive.
     */
    public TtrpcServer start() {
        acceptor.start();
        return this;
    }

    public Path socket() {
        return socket;
    }

    TtrpcService service(String name) {
        return services.get(name);
    }

    void log(String line) {
        log.accept(line);
    }

    /**
     * Asks {@link #awaitStop} to return once the response being handled now has been written: how a
     * Shutdown call gets its answer before the server goes away.
     */
    public void stopAfterReply() {
        stopRequested = true;
    }

    /** Returns once {@link #stopAfterReply} was asked and a response has gone out since. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    void replied() {
        if (stopRequested) stopped.countDown();
    }

    void closed(ServerConnection c) {
        connections.remove(c);
    }

    private void acceptLoop() {
        while (listener.isOpen()) {
            SocketChannel ch;
            try {
                ch = listener.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.accept("ttrpc: accept on " + socket + ": " + e.getMessage());
                return;
            }
            ServerConnection c = new ServerConnection(this, ch, connectionIds.incrementAndGet());
            connections.add(c);
            c.start();
        }
    }

    /** Stops accepting, closes every connection and removes the socket file. */
    @Override
    public void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing a listener does not fail in a way that matters here
        }
        // the socket file goes before the connections: a client that sees its call fail finds no socket
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            log.accept("ttrpc: cannot remove " + socket + ": " + e.getMessage());
        }
        for (ServerConnection c : connections) c.close();
        try {
            if (acceptor.isAlive()) acceptor.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
