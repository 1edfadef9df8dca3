package io.jvmm.image;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's {@code docker-registry} (the CNCF distribution registry) on a free loopback port with a temporary
 * config and storage, and {@code skopeo} to push OCI layouts to it. Tests using it are skipped (reason printed)
 * when the packages are not installed: {@code apt-get install -y docker-registry skopeo}.
 */
public final class LocalRegistry implements AutoCloseable {
    public static final Path REGISTRY = Path.of("/usr/bin/docker-registry");
    public static final Path SKOPEO = Path.of("/usr/bin/skopeo");

    private final Process process;
    private final int port;
    public final Path log;

    private LocalRegistry(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    public static void assumeInstalled() {
        String missing = !Files.isExecutable(REGISTRY) ? "docker-registry" : !Files.isExecutable(SKOPEO) ? "skopeo" : null;
        if (missing != null) System.out.println("SKIPPED: " + missing + " is not installed (apt-get install -y docker-registry skopeo)");
        Assumptions.assumeTrue(missing == null, missing + " is not installed (apt-get install -y docker-registry skopeo)");
    }

    public static LocalRegistry start(Path dir) throws IOException, InterruptedException {
        assumeInstalled();
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path storage = Files.createDirectories(dir.resolve("storage"));
        Path config = dir.resolve("config.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: info
                  accesslog:
                    disabled: false
                storage:
                  filesystem:
                    rootdirectory: %s
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:%d
                """.formatted(storage, port));
        Path log = dir.resolve("registry.log");
        Process p = new ProcessBuilder(REGISTRY.toString(), "serve", config.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        LocalRegistry r = new LocalRegistry(p, port, log);
        HttpClient c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                String out = Files.readString(log);
                throw new IOException("docker-registry exited: " + out);
            }
            try {
                HttpResponse<Void> resp = c.send(HttpRequest.newBuilder(URI.create("http://" + r.host() + "/v2/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                if (resp.statusCode() == 200) return r;
            } catch (IOException e) {
                // not up yet
            }
            Thread.sleep(50);
        }
        r.close();
        throw new IOException("docker-registry did not come up on " + r.host() + ": " + Files.readString(log));
    }

    public String host() {
        return "127.0.0.1:" + port;
    }

    /** {@code skopeo copy --all oci:DIR:TAG docker://HOST/NAME} (plain HTTP, no signature policy). */
    public void push(Path ociDir, String tag, String nameAndTag) throws IOException, InterruptedException {
        List<String> cmd = List.of(SKOPEO.toString(), "--insecure-policy", "copy", "--all", "--quiet", "--dest-tls-verify=false",
                "oci:" + ociDir + ":" + tag, "docker://" + host() + "/" + nameAndTag);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
