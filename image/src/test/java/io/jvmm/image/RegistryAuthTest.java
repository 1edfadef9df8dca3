package io.jvmm.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The token flow of {@link RegistryAuth} against a stub registry with its own token endpoint. */
class RegistryAuthTest {
    static final Credentials ALICE = new Credentials("alice", "s3cret");

    StubServer server;
    ImageReference ref;
    /** The WWW-Authenticate header of the registry's 401; null for none. */
    volatile String challenge;
    /** The Authorization the registry accepts. */
    volatile String accepted = "Bearer tok-1";
    /** The token endpoint's answer. */
    volatile int tokenStatus = 200;

    volatile String tokenBody = "{\"token\":\"tok-1\"}";

    @BeforeEach
    void setUp() throws Exception {
        server = new StubServer(ex -> {
            if (ex.getRequestURI().getPath().equals("/token")) {
                StubServer.send(ex, tokenStatus, Map.of("Content-Type", "application/json"), tokenBody);
            } else if (accepted.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                StubServer.send(ex, 200, Map.of(), "ok");
            } else {
                StubServer.send(
                        ex,
                        401,
                        challenge == null ? Map.of() : Map.of("WWW-Authenticate", challenge),
                        "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"authentication required\"}]}");
            }
        });
        ref = ImageReference.parse(server.host() + "/team/app:1");
        challenge = "Bearer realm=\"http://" + server.host()
                + "/token\",service=\"stub\",scope=\"repository:team/app:pull\"";
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    RegistryAuth auth(Map<String, Credentials> credentials) {
        RegistryHttp http = new RegistryHttp(Set.of(server.host()), Duration.ofSeconds(5), Duration.ofSeconds(10));
        return new RegistryAuth(http, credentials, null);
    }

    String get(RegistryAuth auth) throws Exception {
        HttpResponse<InputStream> resp = auth.get(
                ref,
                URI.create("http://" + server.host() + "/v2/team/app/manifests/1"),
                Map.of(),
                "manifest of " + ref);
        try (InputStream in = resp.body()) {
            return new String(in.readAllBytes());
        }
    }

    @Test
    void aBearerTokenIsFetchedWithTheCredentialsOnceAndReused() throws Exception {
        RegistryAuth auth = auth(Map.of(server.host(), ALICE));
        assertEquals("ok", get(auth));
        assertEquals("ok", get(auth));
        List<StubServer.Request> token = server.requests("/token");
        assertEquals(1, token.size(), "the token is cached per registry and repository");
        assertEquals(
                "/token?service=stub&scope=repository%3Ateam%2Fapp%3Apull",
                token.getFirst().path());
        assertEquals(
                ALICE.basicHeader(), token.getFirst().authorization(), "the token is asked for with Basic credentials");
        assertEquals(
                List.of("none", "Bearer tok-1", "Bearer tok-1"),
                server.requests("/v2/").stream()
                        .map(r -> r.authorization() == null ? "none" : r.authorization())
                        .toList());
    }

    @Test
    void anonymousTokensAndAccessTokenAreAccepted() throws Exception {
        tokenBody = "{\"access_token\":\"tok-1\"}";
        challenge = "Bearer realm=\"http://" + server.host() + "/token\"";
        assertEquals("ok", get(auth(Map.of())));
        StubServer.Request token = server.requests("/token").getFirst();
        assertNull(token.authorization(), "no credentials, no Authorization");
        assertEquals(
                "/token?scope=repository%3Ateam%2Fapp%3Apull",
                token.path(), "without a scope in the challenge, the repository's pull scope");
    }

    @Test
    void aRefusedTokenStillRefusedIsNotRetriedForever() {
        accepted = "Bearer another";
        ImageException e = assertThrows(ImageException.class, () -> get(auth(Map.of(server.host(), ALICE))));
        assertEquals(ImageException.Kind.AUTH, e.kind());
        assertEquals(
                "pull access denied for " + ref + " by " + server.host()
                        + ": the repository does not exist or needs credentials"
                        + " (UNAUTHORIZED: authentication required)",
                e.getMessage());
        assertEquals(2, server.requests("/v2/").size(), "one retry after the challenge");
    }

    @Test
    void theTokenServerRefusingTheCredentials() {
        tokenStatus = 401;
        tokenBody = "{\"details\":\"incorrect username or password\"}";
        ImageException e = assertThrows(ImageException.class, () -> get(auth(Map.of(server.host(), ALICE))));
        assertEquals(ImageException.Kind.AUTH, e.kind());
        assertEquals(
                "the token server of " + server.host() + " refused the credentials of alice for " + ref
                        + " (incorrect username or password)",
                e.getMessage());
    }

    @Test
    void aTokenResponseWithoutATokenIsRefused() {
        tokenBody = "{\"expires_in\":300}";
        ImageException e = assertThrows(ImageException.class, () -> get(auth(Map.of())));
        assertEquals("the token server of " + server.host() + " sent no token", e.getMessage());
    }

    @Test
    void basicChallenges() throws Exception {
        challenge = "Basic realm=\"stub\"";
        accepted = ALICE.basicHeader();
        ImageException e = assertThrows(ImageException.class, () -> get(auth(Map.of())));
        assertEquals(ImageException.Kind.AUTH, e.kind());
        assertEquals(server.host() + " requires credentials for " + ref + " (none in the options)", e.getMessage());
        assertEquals("ok", get(auth(Map.of(server.host(), ALICE))));
        assertEquals(List.of(), server.requests("/token"));
    }

    @Test
    void challengesWeCannotAnswer() {
        challenge = "Bearer service=\"stub\"";
        assertEquals(
                server.host() + " sent a Bearer challenge without a realm",
                assertThrows(ImageException.class, () -> get(auth(Map.of()))).getMessage());
        challenge = "Negotiate";
        assertEquals(
                server.host() + " refused access to " + ref + " with an unsupported challenge: Negotiate",
                assertThrows(ImageException.class, () -> get(auth(Map.of()))).getMessage());
        challenge = null;
        assertEquals(
                server.host() + " refused access to " + ref + " without saying how to authenticate",
                assertThrows(ImageException.class, () -> get(auth(Map.of()))).getMessage());
    }

    @Test
    void credentialsAreWithheldFromARealmOnAnotherHost() {
        // "localhost" names this machine too, but it is not the registry's host as written.
        challenge = "Bearer realm=\"http://localhost:" + server.port() + "/token\",service=\"stub\"";
        ImageException e = assertThrows(ImageException.class, () -> get(auth(Map.of(server.host(), ALICE))));
        assertEquals(ImageException.Kind.AUTH, e.kind());
        assertTrue(
                e.getMessage()
                        .startsWith("the token realm http://localhost:" + server.port() + "/token of " + server.host()
                                + " is on another host (localhost): the credentials of alice go only to"),
                e.getMessage());
        assertEquals(List.of(), server.requests("/token"), "the realm was not asked");
    }

    @Test
    void theRealmRuleIsByHostAndScheme() {
        ImageReference r = ImageReference.parse("registry.example:5000/app:1");
        assertNull(
                RegistryAuth.realmRefusal(r, URI.create("https://REGISTRY.example:8443/token"), false),
                "any port, any case");
        assertEquals("is not https", RegistryAuth.realmRefusal(r, URI.create("ftp://registry.example/token"), true));
        assertEquals("is on another host ()", RegistryAuth.realmRefusal(r, URI.create("/token"), true));
        assertEquals(
                "is on another host (auth.docker.io)",
                RegistryAuth.realmRefusal(r, URI.create("https://auth.docker.io/token"), false),
                "auth.docker.io is trusted for Docker Hub only");
    }

    @Test
    void tokenResponsesAreBounded() throws Exception {
        byte[] limit = new byte[1024];
        assertArrayEquals(limit, RegistryAuth.readAtMost(new ByteArrayInputStream(limit), 1024, "x"));
        ImageException e = assertThrows(
                ImageException.class,
                () -> RegistryAuth.readAtMost(
                        new ByteArrayInputStream(new byte[1025]), 1024, "the token response of h"));
        assertEquals(ImageException.Kind.AUTH, e.kind());
        assertEquals("the token response of h is larger than 1 KiB", e.getMessage());
    }
}
