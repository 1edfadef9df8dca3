package io.jvmm.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A JDK HttpServer on loopback that answers as the test's handler says and records every request, for tests of one
 * piece of the registry client (auth, redirects, blob downloads) without a whole registry.
 */
final class StubServer implements AutoCloseable {
    /** What the server was asked: method, path with query, and the headers the tests look at. */
    record Request(String method, String path, String authorization, String range) {}

    interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    final List<Request> requests = Collections.synchronizedList(new ArrayList<>());
    volatile Handler handler;

    StubServer(Handler handler) throws IOException {
        this.handler = handler;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            try (ex) {
                String q = ex.getRequestURI().getRawQuery();
                requests.add(new Request(
                        ex.getRequestMethod(),
                        ex.getRequestURI().getPath() + (q == null ? "" : "?" + q),
                        ex.getRequestHeaders().getFirst("Authorization"),
                        ex.getRequestHeaders().getFirst("Range")));
                this.handler.handle(ex);
            } catch (IOException e) {
                // the client went away, or the handler cut the connection on purpose
            }
        });
        server.start();
    }

    /** {@code 127.0.0.1:<port>}, as a registry is written in a reference. */
    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    int port() {
        return server.getAddress().getPort();
    }

    List<Request> requests(String pathPrefix) {
        synchronized (requests) {
            return requests.stream()
                    .filter(r -> r.path().startsWith(pathPrefix))
                    .toList();
        }
    }

    static void send(HttpExchange ex, int status, Map<String, String> headers, byte[] body) throws IOException {
        headers.forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) ex.getResponseBody().write(body);
    }

    static void send(HttpExchange ex, int status, Map<String, String> headers, String body) throws IOException {
        send(ex, status, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
