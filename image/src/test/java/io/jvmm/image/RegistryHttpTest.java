package io.jvmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Redirects and error statuses of {@link RegistryHttp}, against stub servers. */
class RegistryHttpTest {
    StubServer registry;
    StubServer storage;
    RegistryHttp http;
    ImageReference ref;

    @BeforeEach
    void setUp() throws Exception {
        storage = new StubServer(ex -> StubServer.send(ex, 200, Map.of(), "blob"));
        registry = new StubServer(ex -> {
            String path = ex.getRequestURI().getPath();
            switch (path) {
                // "localhost" is another origin than the registry's 127.0.0.1, as a CDN host would be
                case "/v2/app/blobs/elsewhere" ->
                    StubServer.send(ex, 307, Map.of("Location", "http://localhost:" + storage.port() + "/cdn/b"), "");
                case "/v2/app/blobs/here" -> StubServer.send(ex, 302, Map.of("Location", "/v2/app/blobs/final"), "");
                case "/v2/app/blobs/final" -> StubServer.send(ex, 200, Map.of(), "blob");
                case "/v2/app/blobs/loop" -> StubServer.send(ex, 301, Map.of("Location", "/v2/app/blobs/loop"), "");
                case "/v2/app/blobs/nowhere" -> StubServer.send(ex, 303, Map.of(), "");
                case "/v2/app/manifests/norepo" ->
                    error(ex, 404, "NAME_UNKNOWN", "repository name not known to registry");
                case "/v2/app/manifests/notag" -> error(ex, 404, "MANIFEST_UNKNOWN", "manifest unknown");
                case "/v2/app/blobs/missing" -> error(ex, 404, "BLOB_UNKNOWN", "blob unknown to registry");
                case "/v2/app/blobs/busy" -> error(ex, 429, "TOOMANYREQUESTS", "slow down");
                case "/v2/app/blobs/broken" -> StubServer.send(ex, 500, Map.of(), "<html>oops</html>");
                default -> error(ex, 404, "NOT_FOUND", "no route");
            }
        });
        http = new RegistryHttp(Set.of(registry.host()), Duration.ofSeconds(5), Duration.ofSeconds(10));
        ref = ImageReference.parse(registry.host() + "/app:1");
    }

    private static void error(HttpExchange ex, int status, String code, String message) throws IOException {
        StubServer.send(
                ex,
                status,
                Map.of("Content-Type", "application/json"),
                "{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}]}");
    }

    @AfterEach
    void tearDown() {
        registry.close();
        storage.close();
    }

    private String body(String tail, String auth) throws IOException {
        HttpResponse<InputStream> resp = http.get(ref, http.uri(ref, tail), Map.of(), auth);
        assertEquals(200, resp.statusCode());
        try (InputStream in = resp.body()) {
            return new String(in.readAllBytes());
        }
    }

    @Test
    void urlsArePlainHttpOnlyForInsecureRegistries() {
        assertEquals(URI.create("http://" + registry.host() + "/v2/app/manifests/1"), http.uri(ref, "/manifests/1"));
        ImageReference hub = ImageReference.parse("busybox");
        assertEquals(URI.create("https://registry-1.docker.io/v2/library/busybox/blobs/x"), http.uri(hub, "/blobs/x"));
    }

    @Test
    void authorizationFollowsARedirectOnlyOnTheSameOrigin() throws Exception {
        assertEquals("blob", body("/blobs/here", "Bearer t"));
        assertEquals(
                List.of("Bearer t", "Bearer t"),
                registry.requests.stream()
                        .map(StubServer.Request::authorization)
                        .toList());
        assertEquals("blob", body("/blobs/elsewhere", "Bearer t"));
        assertEquals(1, storage.requests.size());
        assertNull(storage.requests.getFirst().authorization(), "no Authorization to blob storage on another host");
    }

    @Test
    void redirectsAreBounded() {
        ImageException e = assertThrows(ImageException.class, () -> body("/blobs/loop", null));
        assertEquals(ImageException.Kind.PROTOCOL, e.kind());
        assertEquals("too many redirects from " + registry.host() + " for /v2/app/blobs/loop", e.getMessage());
        assertEquals(6, registry.requests.size(), "the request and 5 redirects");
        e = assertThrows(ImageException.class, () -> body("/blobs/nowhere", null));
        assertEquals(registry.host() + " answered a redirect without Location", e.getMessage());
    }

    private ImageException statusError(String tail, String what, boolean authed) {
        HttpResponse<InputStream> resp = http.get(ref, http.uri(ref, tail), Map.of(), null);
        return RegistryHttp.statusError(ref, resp, what, authed);
    }

    @Test
    void errorStatusesNameWhatWentWrong() {
        ImageException e = statusError("/manifests/norepo", "manifest of " + ref, false);
        assertEquals(ImageException.Kind.NOT_FOUND, e.kind());
        assertEquals(
                "repository not found: " + ref + " (NAME_UNKNOWN: repository name not known to registry)",
                e.getMessage());
        assertEquals(
                "image not found: " + ref + " (MANIFEST_UNKNOWN: manifest unknown)",
                statusError("/manifests/notag", "manifest of " + ref, false).getMessage());
        assertEquals(
                "blob sha256:x of " + ref + " not found on " + registry.host()
                        + " (BLOB_UNKNOWN: blob unknown to registry)",
                statusError("/blobs/missing", "blob sha256:x of " + ref, false).getMessage());
        e = statusError("/blobs/busy", "blob", true);
        assertEquals(ImageException.Kind.PROTOCOL, e.kind());
        assertEquals(registry.host() + " is rate-limiting pulls (TOOMANYREQUESTS: slow down)", e.getMessage());
        assertEquals(
                registry.host() + " answered HTTP 500 for blob",
                statusError("/blobs/broken", "blob", true).getMessage(),
                "a body that is not a registry error adds nothing");
    }

    @Test
    void aClosedPortIsUnreachable() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        ImageReference gone = ImageReference.parse("127.0.0.1:" + port + "/app:1");
        RegistryHttp insecure =
                new RegistryHttp(Set.of(gone.registry()), Duration.ofSeconds(5), Duration.ofSeconds(10));
        ImageException e = assertThrows(
                ImageException.class, () -> insecure.get(gone, insecure.uri(gone, "/manifests/1"), Map.of(), null));
        assertEquals(ImageException.Kind.UNREACHABLE, e.kind());
        assertEquals("cannot reach registry 127.0.0.1:" + port + ": connection refused", e.getMessage());
        assertTrue(e.getCause() instanceof IOException);
    }
}
