package io.jvmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A registry cannot send the user's credentials elsewhere, and a token response cannot flood the client. */
class RegistryCredentialsTest {
    @TempDir
    Path dir;

    FakeRegistry fake;
    FakeRegistry elsewhere;
    ContentStore store;

    @BeforeEach
    void setUp() throws Exception {
        fake = new FakeRegistry();
        elsewhere = new FakeRegistry();
        store = ContentStore.open(dir.resolve("store"));
        fake.addImage("app", "1", TestImages.image("amd64", List.of(TestImages.etcLayer())));
        fake.tokenAuth = true;
    }

    @AfterEach
    void tearDown() {
        fake.close();
        elsewhere.close();
    }

    private RegistryClient withCredentials() {
        return RegistryClient.builder()
                .insecure(fake.host())
                .dockerConfig(null)
                .credentials(fake.host(), new Credentials("alice", "s3cret"))
                .build();
    }

    @Test
    void credentialsNeverGoToARealmOnAnotherHost() {
        // "localhost" is another host name than the registry's 127.0.0.1, though it is this machine.
        fake.realm = "http://localhost:" + elsewhere.host().split(":")[1] + "/token";
        ImageException e = assertThrows(
                ImageException.class,
                () -> withCredentials().pull(ImageReference.parse(fake.host() + "/app:1"), store));
        assertEquals(ImageException.Kind.AUTH, e.kind());
        assertTrue(
                e.getMessage().contains("is on another host (localhost)")
                        && e.getMessage().contains("credentials of alice"),
                e.getMessage());
        assertEquals(List.of(), elsewhere.requests, "nothing at all was sent to the other host");
        // Anonymous pulls may still use such a realm: there is nothing to leak.
        elsewhere.tokenBody = "{\"token\":\"anon\"}".getBytes();
        ImageException anon = assertThrows(
                ImageException.class,
                () -> RegistryClient.builder()
                        .insecure(fake.host())
                        .dockerConfig(null)
                        .build()
                        .pull(ImageReference.parse(fake.host() + "/app:1"), store));
        assertTrue(
                elsewhere.tokenRequests.stream().noneMatch(t -> t.contains("with Authorization")),
                elsewhere.tokenRequests.toString());
        assertEquals(ImageException.Kind.AUTH, anon.kind());
    }

    @Test
    void plainHttpRealmsOnlyForInsecureRegistries() {
        ImageReference ref = ImageReference.parse("registry.example:5000/app:1");
        assertEquals(
                "is not https",
                RegistryAuth.realmRefusal(ref, URI.create("http://registry.example:5001/token"), false));
        assertNull(RegistryAuth.realmRefusal(ref, URI.create("https://registry.example/token"), false));
        assertNull(RegistryAuth.realmRefusal(ref, URI.create("http://registry.example:5001/token"), true));
        assertEquals(
                "is on another host (evil.example)",
                RegistryAuth.realmRefusal(ref, URI.create("https://evil.example/token"), false));
        assertNull(
                RegistryAuth.realmRefusal(
                        ImageReference.parse("busybox"), URI.create("https://auth.docker.io/token"), false),
                "Docker Hub's registry and token hosts differ by design");
        assertTrue(RegistryAuth.realmRefusal(
                        ImageReference.parse("busybox"), URI.create("https://auth.docker.io.evil.example/token"), false)
                != null);
    }

    @Test
    void anOversizedTokenResponseIsRefused() {
        fake.tokenBody = new byte[RegistryAuth.MAX_TOKEN_RESPONSE + 1];
        ImageException e = assertThrows(
                ImageException.class,
                () -> withCredentials().pull(ImageReference.parse(fake.host() + "/app:1"), store));
        assertTrue(
                e.getMessage().contains("token response of " + fake.host() + " is larger than 1024 KiB"),
                e.getMessage());
    }
}
