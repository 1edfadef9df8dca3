package io.jvmm.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registry made with the JDK's HttpServer, for what the real one cannot do on demand: serve a tampered blob, serve
 * a blob slowly (to kill a pull half-way), ask for Bearer tokens from its own small token endpoint, redirect blobs.
 */
final class FakeRegistry implements AutoCloseable {
    private static final Pattern MANIFEST = Pattern.compile("/v2/(.+)/manifests/([^/]+)");
    private static final Pattern BLOB = Pattern.compile("/v2/(.+)/blobs/(sha256:[a-f0-9]{64})");

    record Content(byte[] body, String mediaType) {}

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    final Map<String, Content> manifests = new ConcurrentHashMap<>(); // "repo:ref" → content
    final Map<String, byte[]> blobs = new ConcurrentHashMap<>(); // digest → bytes served
    final List<String> requests = Collections.synchronizedList(new ArrayList<>());
    final List<String> tokenRequests = Collections.synchronizedList(new ArrayList<>());
    final Set<String> issuedTokens = ConcurrentHashMap.newKeySet();
    /** Bytes per second for blobs; 0 = full speed. */
    volatile long throttle;
    /** Require Bearer tokens (from /token); with {@link #user} set, the token endpoint wants Basic credentials. */
    volatile boolean tokenAuth;
    /** Require Basic auth directly on the registry API. */
    volatile boolean basicAuth;

    volatile String user;
    volatile String password;
    /** The token realm the Bearer challenge names (default: this registry's /token). */
    volatile String realm;
    /** The token endpoint's answer instead of a token (e.g. an oversized one). */
    volatile byte[] tokenBody;
    /** Blob GETs are redirected here (another "host"), where no Authorization is allowed. */
    volatile FakeRegistry blobRedirect;

    FakeRegistry() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    String host() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    void addImage(String repo, String tag, TestImages.Image img) {
        manifests.put(repo + ":" + tag, new Content(img.manifest(), MediaTypes.OCI_MANIFEST));
        manifests.put(repo + ":" + img.manifestDigest(), new Content(img.manifest(), MediaTypes.OCI_MANIFEST));
        blobs.put(img.configDigest().toString(), img.config());
        for (TestImages.Layer l : img.layers()) blobs.put(l.digest().toString(), l.blob());
    }

    long blobGets() {
        synchronized (requests) {
            return requests.stream().filter(r -> r.contains("/blobs/")).count();
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String range = ex.getRequestHeaders().getFirst("Range");
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            requests.add(ex.getRequestMethod() + " " + path + (range != null ? " " + range : "")
                    + (auth != null ? " auth=" + auth.split(" ")[0] : ""));
            if (path.equals("/token")) {
                token(ex);
                return;
            }
            Matcher mm = MANIFEST.matcher(path);
            Matcher bm = BLOB.matcher(path);
            String repo = mm.matches() ? mm.group(1) : bm.matches() ? bm.group(1) : "";
            if (!authorized(ex, repo)) return;
            if (path.equals("/v2/")) {
                send(ex, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
            } else if (mm.matches()) {
                Content c = manifests.get(mm.group(1) + ":" + mm.group(2));
                if (c == null) {
                    error(ex, 404, "MANIFEST_UNKNOWN", "manifest unknown");
                    return;
                }
                ex.getResponseHeaders()
                        .add("Docker-Content-Digest", Digest.of(c.body()).toString());
                send(ex, 200, c.mediaType(), c.body());
            } else if (bm.matches()) {
                FakeRegistry redirect = blobRedirect;
                if (redirect != null) {
                    ex.getResponseHeaders().add("Location", "http://" + redirect.host() + "/storage/" + bm.group(2));
                    ex.sendResponseHeaders(307, -1);
                    return;
                }
                serveBlob(ex, bm.group(2), range);
            } else if (path.startsWith("/storage/")) {
                if (auth != null) {
                    send(
                            ex,
                            400,
                            "text/plain",
                            "Authorization must not be forwarded to storage".getBytes(StandardCharsets.UTF_8));
                    return;
                }
                serveBlob(ex, path.substring("/storage/".length()), range);
            } else {
                error(ex, 404, "NOT_FOUND", "no route");
            }
        } catch (IOException e) {
            // client went away (killed pulls do that)
        }
    }

    private boolean authorized(HttpExchange ex, String repo) throws IOException {
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (tokenAuth) {
            if (auth != null && auth.startsWith("Bearer ") && issuedTokens.contains(auth.substring(7) + " " + repo))
                return true;
            if (auth != null
                    && auth.startsWith("Bearer ")
                    && repo.isEmpty()
                    && issuedTokens.stream().anyMatch(t -> t.startsWith(auth.substring(7) + " "))) return true;
            ex.getResponseHeaders()
                    .add(
                            "WWW-Authenticate",
                            "Bearer realm=\"" + (realm != null ? realm : "http://" + host() + "/token")
                                    + "\",service=\"fake-registry\""
                                    + (repo.isEmpty() ? "" : ",scope=\"repository:" + repo + ":pull\""));
            error(ex, 401, "UNAUTHORIZED", "authentication required");
            return false;
        }
        if (basicAuth) {
            String want = "Basic "
                    + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            if (want.equals(auth)) return true;
            ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"fake\"");
            error(ex, 401, "UNAUTHORIZED", "authentication required");
            return false;
        }
        return true;
    }

    private void token(HttpExchange ex) throws IOException {
        String q = ex.getRequestURI().getRawQuery();
        q = q == null ? "" : URLDecoder.decode(q, StandardCharsets.UTF_8);
        tokenRequests.add(q + (ex.getRequestHeaders().containsKey("Authorization") ? " with Authorization" : ""));
        if (tokenBody != null) {
            send(ex, 200, "application/json", tokenBody);
            return;
        }
        if (user != null) {
            String want = "Basic "
                    + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
            if (!want.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                send(
                        ex,
                        401,
                        "application/json",
                        "{\"details\":\"incorrect username or password\"}".getBytes(StandardCharsets.UTF_8));
                return;
            }
        }
        Matcher m = Pattern.compile("scope=repository:([^:]+):pull").matcher(q);
        if (!q.contains("service=fake-registry") || !m.find()) {
            send(
                    ex,
                    400,
                    "application/json",
                    "{\"details\":\"bad service or scope\"}".getBytes(StandardCharsets.UTF_8));
            return;
        }
        String token = "tok-" + UUID.randomUUID();
        issuedTokens.add(token + " " + m.group(1));
        send(
                ex,
                200,
                "application/json",
                ("{\"token\":\"" + token + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8));
    }

    private void serveBlob(HttpExchange ex, String digest, String range) throws IOException {
        byte[] b = blobs.get(digest);
        if (b == null) {
            error(ex, 404, "BLOB_UNKNOWN", "blob unknown to registry");
            return;
        }
        int from = 0;
        if (range != null && range.startsWith("bytes=")) {
            from = Integer.parseInt(range.substring(6, range.indexOf('-')));
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (b.length - 1) + "/" + b.length);
        }
        ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
        ex.sendResponseHeaders(range != null ? 206 : 200, b.length - from);
        OutputStream out = ex.getResponseBody();
        int chunk = 16 << 10;
        for (int off = from; off < b.length; off += chunk) {
            int n = Math.min(chunk, b.length - off);
            out.write(b, off, n);
            out.flush();
            long t = throttle;
            if (t > 0) {
                try {
                    Thread.sleep(Math.max(1, n * 1000L / t));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        send(
                ex,
                status,
                "application/json",
                ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}]}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) ex.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
