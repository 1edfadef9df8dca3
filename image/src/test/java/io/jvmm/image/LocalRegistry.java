package io.jvmm.image;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's {@code docker-registry} (the CNCF distribution registry) on a free loopback port with a temporary
 * config and storage, its access log in a file, and {@code skopeo} to push OCI layouts to it. No JUnit here:
 * the benchmarks use it too; tests skip with {@link RegistryAssumptions} when the packages are missing
 * ({@code apt-get install -y docker-registry skopeo}).
 */
public final class LocalRegistry implements AutoCloseable {
    public static final Path REGISTRY = Path.of("/usr/bin/docker-registry");
    public static final Path SKOPEO = Path.of("/usr/bin/skopeo");
    /** Combined log format: {@code "GET /v2/REPO/blobs/sha256:HEX HTTP/1.1" 200 12345}. */
    private static final Pattern BLOB_GET =
            Pattern.compile("\"GET /v2/\\S+/blobs/sha256:[0-9a-f]{64} HTTP/[0-9.]+\" (\\d{3}) (\\d+|-)");

    private final Process process;
    private final int port;
    public final Path log;

    private LocalRegistry(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** The first of the two tools that is not installed, or null. */
    public static String missingTools() {
        if (!Files.isExecutable(REGISTRY)) return "docker-registry";
        if (!Files.isExecutable(SKOPEO)) return "skopeo";
        return null;
    }

    public static LocalRegistry start(Path dir) throws IOException, InterruptedException {
        String missing = missingTools();
        if (missing != null)
            throw new IOException(missing + " is not installed (apt-get install -y docker-registry skopeo)");
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
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        LocalRegistry r = new LocalRegistry(p, port, log);
        HttpClient c =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                String out = Files.readString(log);
                throw new IOException("docker-registry exited: " + out);
            }
            try {
                HttpResponse<Void> resp = c.send(
                        HttpRequest.newBuilder(URI.create("http://" + r.host() + "/v2/"))
                                .build(),
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
        List<String> cmd = List.of(
                SKOPEO.toString(),
                "--insecure-policy",
                "copy",
                "--all",
                "--quiet",
                "--dest-tls-verify=false",
                "oci:" + ociDir + ":" + tag,
                "docker://" + host() + "/" + nameAndTag);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0)
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }

    /** The access log's length now: {@link #blobGetsSince} counts what came after. */
    public long mark() throws IOException {
        return Files.size(log);
    }

    /** Successful blob GETs logged since a {@link #mark}, and the body bytes they sent. */
    public record Gets(int count, long bytes) {}

    public Gets blobGetsSince(long mark) throws IOException, InterruptedException {
        Thread.sleep(150); // the access log line is written once the handler returns
        byte[] all = Files.readAllBytes(log);
        int from = (int) Math.min(mark, all.length);
        Matcher m = BLOB_GET.matcher(new String(all, from, all.length - from, StandardCharsets.UTF_8));
        int n = 0;
        long bytes = 0;
        while (m.find()) {
            if (Integer.parseInt(m.group(1)) / 100 != 2) continue;
            n++;
            if (!m.group(2).equals("-")) bytes += Long.parseLong(m.group(2));
        }
        return new Gets(n, bytes);
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
