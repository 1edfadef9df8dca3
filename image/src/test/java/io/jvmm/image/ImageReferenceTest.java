package io.jvmm.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {
    static final String HEX = "a".repeat(64);

    @ParameterizedTest
    @CsvSource({
        "busybox, docker.io/library/busybox:latest",
        "busybox:1.36, docker.io/library/busybox:1.36",
        "library/busybox, docker.io/library/busybox:latest",
        "docker.io/busybox, docker.io/library/busybox:latest",
        "index.docker.io/library/busybox:x, docker.io/library/busybox:x",
        "user/app:v1.2-rc_3, docker.io/user/app:v1.2-rc_3",
        "host:5000/a/b:tag, host:5000/a/b:tag",
        "host:5000/a/b, host:5000/a/b:latest",
        "ghcr.io/owner/repo/sub, ghcr.io/owner/repo/sub:latest",
        "localhost/x, localhost/x:latest",
        "localhost:5000/x:1, localhost:5000/x:1",
        "127.0.0.1:5000/my-app__x.y:t, 127.0.0.1:5000/my-app__x.y:t",
        "[::1]:5000/x, [::1]:5000/x:latest",
    })
    void normalizes(String in, String canonical) {
        assertEquals(canonical, ImageReference.parse(in).toString());
    }

    @Test
    void parts() {
        ImageReference r = ImageReference.parse("busybox");
        assertEquals("docker.io", r.registry());
        assertEquals("registry-1.docker.io", r.registryHost());
        assertEquals("library/busybox", r.repository());
        assertEquals("latest", r.tag());
        assertEquals("latest", r.manifestReference());
        assertEquals("busybox:latest", r.familiar());
        ImageReference l = ImageReference.parse("localhost:5000/a/b:t");
        assertEquals("localhost:5000", l.registryHost());
        assertEquals("a/b", l.repository());
        assertEquals("localhost:5000/a/b:t", l.familiar());
    }

    @Test
    void digests() {
        ImageReference d = ImageReference.parse("busybox@sha256:" + HEX);
        assertNull(d.tag());
        assertEquals("sha256:" + HEX, d.manifestReference());
        assertEquals("docker.io/library/busybox@sha256:" + HEX, d.toString());
        ImageReference both = ImageReference.parse("host:5000/x:1.0@sha256:" + HEX);
        assertEquals("1.0", both.tag());
        assertEquals("sha256:" + HEX, both.manifestReference(), "the digest wins");
        assertEquals(both, ImageReference.parse(both.toString()));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                " ",
                "Busybox",
                "host:5000/A/b",
                "a//b",
                "a/b/",
                "/a",
                "x:",
                "x:-tag",
                "x:.tag",
                "x@sha256:abc",
                "x@md5:" + "a",
                "x@sha512:" + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "a b",
                "x:tag:more/y",
                "bad_host:99999999/x",
                "a/-b"
            })
    void rejects(String in) {
        ImageException e = assertThrows(ImageException.class, () -> ImageReference.parse(in));
        assertEquals(ImageException.Kind.BAD_INPUT, e.kind());
        assertTrue(e.getMessage().startsWith("invalid image reference '"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void errorNamesTheProblem() {
        assertTrue(ImageReference.parse("ok").toString().endsWith(":latest"));
        for (var c : List.of(
                List.of("Busybox", "lowercase"), List.of("x:-t", "invalid tag"), List.of("x@sha256:12", "64"))) {
            String m = assertThrows(ImageException.class, () -> ImageReference.parse(c.get(0)))
                    .getMessage();
            assertTrue(m.contains(c.get(1)), m);
        }
    }

    @ParameterizedTest
    @CsvSource({
        "localhost/app, true",
        "localhost:5000/app:1, true",
        "127.0.0.1:5000/app, true",
        "127.10.2.3/x, true",
        "[::1]:5000/app, true",
        "busybox, false",
        "registry.example.com:5000/app, false",
        "localhost.example.com/app, false",
        "128.0.0.1:5000/app, false"
    })
    void loopbackRegistriesAreTheOnesOnThisHost(String ref, boolean loopback) {
        assertEquals(loopback, ImageReference.parse(ref).loopbackRegistry(), ref);
    }
}
