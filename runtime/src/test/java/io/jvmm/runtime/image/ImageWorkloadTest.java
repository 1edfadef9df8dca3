package io.jvmm.runtime.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jvmm.image.ImageConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ImageWorkloadTest {
    private static ImageConfig image(
            List<String> entrypoint,
            List<String> cmd,
            List<String> env,
            String workdir,
            String user,
            List<String> exposed) {
        return new ImageConfig(
                entrypoint, cmd, env, workdir, user, exposed, Map.of(), null, "amd64", "linux", null, null, List.of());
    }

    private static final ImageConfig NGINX = image(
            List.of("/docker-entrypoint.sh"),
            List.of("nginx", "-g", "daemon off;"),
            List.of("PATH=/usr/bin", "NGINX_VERSION=1.27"),
            "/srv",
            "www",
            List.of("80/tcp", "53/udp", "9/sctp"));

    private static ImageWorkload.Options args(String... args) {
        return new ImageWorkload.Options(null, List.of(args), null, null, null);
    }

    @Test
    void entrypointThenCmdByDefault() {
        ImageWorkload w = ImageWorkload.of(NGINX, args());
        assertEquals(List.of("/docker-entrypoint.sh", "nginx", "-g", "daemon off;"), w.argv());
        assertEquals("/srv", w.workdir());
        assertEquals("www", w.user());
        assertEquals(List.of("PATH=/usr/bin", "NGINX_VERSION=1.27"), w.env());
    }

    @Test
    void argumentsReplaceCmdOnly() {
        assertEquals(
                List.of("/docker-entrypoint.sh", "sh", "-c", "true"),
                ImageWorkload.of(NGINX, args("sh", "-c", "true")).argv());
    }

    @Test
    void anEntrypointOptionDropsBothAndAnEmptyOneClearsIt() {
        assertEquals(
                List.of("/bin/sh"),
                ImageWorkload.of(NGINX, new ImageWorkload.Options("/bin/sh", List.of(), null, null, null))
                        .argv());
        assertEquals(
                List.of("/bin/sh", "-c", "id"),
                ImageWorkload.of(NGINX, new ImageWorkload.Options("/bin/sh", List.of("-c", "id"), null, null, null))
                        .argv());
        assertEquals(
                List.of(),
                ImageWorkload.of(NGINX, new ImageWorkload.Options("", List.of(), null, null, null))
                        .argv());
        assertEquals(
                List.of("ls"),
                ImageWorkload.of(NGINX, new ImageWorkload.Options("", List.of("ls"), null, null, null))
                        .argv());
    }

    @Test
    void optionsOverrideEnvKeyByKeyAndWorkdirAndUser() {
        ImageWorkload w = ImageWorkload.of(
                NGINX,
                new ImageWorkload.Options(
                        null, List.of(), List.of("NGINX_VERSION=dev", "EXTRA=1", "PATH=/bin"), "/tmp", "0:0"));
        assertEquals(List.of("PATH=/bin", "NGINX_VERSION=dev", "EXTRA=1"), w.env());
        assertEquals("/tmp", w.workdir());
        assertEquals("0:0", w.user());
        // An empty option is a value: it clears the image's.
        assertEquals(
                "",
                ImageWorkload.of(NGINX, new ImageWorkload.Options(null, List.of(), null, "", ""))
                        .workdir());
    }

    @Test
    void unsetAndEmptyImageValuesDiffer() {
        ImageConfig emptyCmd = image(null, List.of(), List.of(), null, null, List.of());
        assertEquals(List.of(), ImageWorkload.of(emptyCmd, args()).argv());
        ImageConfig onlyCmd = image(null, List.of("sh"), List.of(), null, null, List.of());
        assertEquals(List.of("sh"), ImageWorkload.of(onlyCmd, args()).argv());
        assertEquals(
                List.of("/bin/true"),
                ImageWorkload.of(onlyCmd, new ImageWorkload.Options("/bin/true", List.of(), null, null, null))
                        .argv());
    }

    @Test
    void withoutAnImageOnlyTheOptionsCount() {
        ImageWorkload w = ImageWorkload.of(
                null,
                new ImageWorkload.Options(null, List.of("/bin/echo", "hi"), List.of("A=1", "bad", "A=2"), null, null));
        assertEquals(List.of("/bin/echo", "hi"), w.argv());
        assertEquals(List.of("A=2"), w.env());
        assertEquals("", w.workdir());
        assertEquals("", w.user());
        assertEquals(List.of(), w.exposed());
    }

    @Test
    void publishAllForwardsTcpAndUdpAndSkipsTheRest() {
        int[] next = {40000};
        List<String> forwards = ImageWorkload.of(NGINX, args()).publishAll(() -> next[0]++, () -> 50000);
        assertEquals(List.of("40000:80", "50000:53/udp"), forwards);
    }
}
