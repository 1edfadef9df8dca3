package io.jvmm.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLException;

/**
 * A client of the OCI distribution API v2 (Docker Registry HTTP API v2) that pulls images into a
 * {@link ContentStore}.
 * <ul>
 * <li>Manifests are asked for with both Docker schema 2 and OCI media types (image manifests and
 *     lists/indexes); an index is resolved to the wanted platform (linux/amd64).</li>
 * <li>Auth: anonymous; Bearer tokens from the realm of the {@code WWW-Authenticate} challenge (with
 *     Basic credentials when we have some); Basic. Credentials come from {@link Builder#credentials} or
 *     the docker config file. Tokens are cached per registry and scope.</li>
 * <li>HTTPS, or plain HTTP for registries marked {@link Builder#insecure}.</li>
 * <li>Every manifest and blob is checked against its sha256 before it enters the store. Blobs are
 *     downloaded into {@code tmp/<hex>.partial} and resumed with a Range request after a failure or in a
 *     later pull after the process was killed.</li>
 * <li>Layers download in parallel on a small fixed pool of platform threads.</li>
 * </ul>
 * Every failure is an {@link ImageException} with a one-line message.
 */
public final class RegistryClient {
    private static final int MAX_MANIFEST = 4 << 20;
    private static final int MAX_REDIRECTS = 5;
    private static final Map<String, ReentrantLock> DOWNLOAD_LOCKS = new ConcurrentHashMap<>();

    private final HttpClient http;
    private final Set<String> insecure;
    private final Map<String, Credentials> credentials;
    private final Path dockerConfig;
    private final int threads;
    private final int attempts;
    private final Platform platform;
    private final PullListener listener;
    private final Duration timeout;
    private final Map<String, String> authCache = new ConcurrentHashMap<>();
    private final AtomicLong blobRequests = new AtomicLong();
    private final AtomicLong manifestRequests = new AtomicLong();

    private RegistryClient(Builder b) {
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(b.connectTimeout)
                .build();
        this.insecure = Set.copyOf(b.insecure);
        this.credentials = Map.copyOf(b.credentials);
        this.dockerConfig = b.dockerConfig;
        this.threads = b.threads;
        this.attempts = b.attempts;
        this.platform = b.platform;
        this.listener = b.listener;
        this.timeout = b.timeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a {@link RegistryClient}. */
    public static final class Builder {
        private final Set<String> insecure = new LinkedHashSet<>();
        private final Map<String, Credentials> credentials = new HashMap<>();
        private Path dockerConfig = Credentials.defaultDockerConfig();
        private int threads = 3;
        private int attempts = 3;
        private Platform platform = Platform.LINUX_AMD64;
        private PullListener listener = PullListener.NONE;
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration timeout = Duration.ofSeconds(60);

        /** Talk plain HTTP to this registry ({@code host[:port]} as written in references). */
        public Builder insecure(String registry) {
            insecure.add(registry.toLowerCase(Locale.ROOT));
            return this;
        }

        /** Credentials for this registry; they win over the docker config file. */
        public Builder credentials(String registry, Credentials c) {
            credentials.put(registry.toLowerCase(Locale.ROOT), c);
            return this;
        }

        /** The docker config file to read {@code auths} from; null for none. Default {@link Credentials#defaultDockerConfig()}. */
        public Builder dockerConfig(Path file) {
            dockerConfig = file;
            return this;
        }

        /** Parallel layer downloads (default 3). */
        public Builder threads(int n) {
            if (n < 1 || n > 16) throw new IllegalArgumentException("threads must be 1..16");
            threads = n;
            return this;
        }

        /** Tries per blob before giving up (default 3); each retry resumes where the last stopped. */
        public Builder attempts(int n) {
            if (n < 1) throw new IllegalArgumentException("attempts must be >= 1");
            attempts = n;
            return this;
        }

        public Builder platform(Platform p) {
            platform = p;
            return this;
        }

        public Builder listener(PullListener l) {
            listener = l == null ? PullListener.NONE : l;
            return this;
        }

        public Builder connectTimeout(Duration d) {
            connectTimeout = d;
            return this;
        }

        /** How long to wait for a response's headers (default 60 s). */
        public Builder timeout(Duration d) {
            timeout = d;
            return this;
        }

        public RegistryClient build() {
            return new RegistryClient(this);
        }
    }

    /** GET requests made for blobs (each resume counts), for tests and benchmarks. */
    public long blobRequests() {
        return blobRequests.get();
    }

    /** GET requests made for manifests. */
    public long manifestRequests() {
        return manifestRequests.get();
    }

    // ------------------------------------------------------------------ resolve

    /** The manifest chosen for our platform, verified, and the index it came from (if any). */
    public record Resolved(ImageReference ref, Digest indexDigest, String indexMediaType, byte[] indexBytes,
                           Digest manifestDigest, String manifestMediaType, byte[] manifestBytes, Manifest.Image manifest) {}

    /** Fetches and verifies the manifest of {@code ref}, following an index to the wanted platform. */
    public Resolved resolve(ImageReference ref) {
        Fetched top = fetchManifest(ref, ref.manifestReference(), ref.digest(), -1);
        Manifest.Parsed parsed = Manifest.parse(top.body, top.contentType, "manifest of " + ref);
        if (parsed instanceof Manifest.Image img) {
            return new Resolved(ref, null, null, null, top.digest, img.mediaType(), top.body, img);
        }
        Manifest.Index index = (Manifest.Index) parsed;
        Descriptor chosen = index.select(platform, ref.toString());
        Fetched child = fetchManifest(ref, chosen.digest().toString(), chosen.digest(), chosen.size());
        Manifest.Parsed p2 = Manifest.parse(child.body, child.contentType, "manifest " + chosen.digest() + " of " + ref);
        if (!(p2 instanceof Manifest.Image img)) {
            throw new ImageException(ImageException.Kind.PROTOCOL, "the " + platform + " entry of " + ref + " is a nested index, which is not supported");
        }
        return new Resolved(ref, top.digest, index.mediaType(), top.body, child.digest, img.mediaType(), child.body, img);
    }

    private record Fetched(byte[] body, String contentType, Digest digest) {}

    private Fetched fetchManifest(ImageReference ref, String reference, Digest expected, long expectedSize) {
        manifestRequests.incrementAndGet();
        URI uri = uri(ref, "/manifests/" + reference);
        HttpResponse<InputStream> resp = send(ref, uri, Map.of("Accept", MediaTypes.MANIFEST_ACCEPT), "manifest of " + ref);
        byte[] body;
        try (InputStream in = resp.body()) {
            body = in.readNBytes(MAX_MANIFEST + 1);
        } catch (IOException e) {
            throw unreachable(ref, e);
        }
        if (body.length > MAX_MANIFEST) throw new ImageException(ImageException.Kind.PROTOCOL, "manifest of " + ref + " is larger than 4 MiB");
        Digest actual = Digest.of(body);
        if (expected != null && !actual.equals(expected)) throw ContentStore.mismatch("manifest of " + ref, expected, actual);
        if (expectedSize >= 0 && body.length != expectedSize) {
            throw new ImageException(ImageException.Kind.DIGEST_MISMATCH, "size mismatch for manifest " + expected + " of " + ref
                    + ": expected " + expectedSize + " bytes, got " + body.length + " (nothing stored)");
        }
        Optional<String> header = resp.headers().firstValue("Docker-Content-Digest");
        if (expected == null && header.isPresent() && header.get().startsWith("sha256:")) {
            Digest claimed = Digest.parse(header.get().trim());
            if (!claimed.equals(actual)) throw ContentStore.mismatch("manifest of " + ref + " (Docker-Content-Digest)", claimed, actual);
        }
        return new Fetched(body, resp.headers().firstValue("Content-Type").orElse(null), actual);
    }

    // ------------------------------------------------------------------ pull

    /**
     * Pulls {@code ref} into {@code store}: manifest (resolved for the platform), config, layers not already
     * there; then indexes it under {@code ref.toString()}. Returns the index entry.
     */
    @SuppressWarnings("try")
    public ImageRecord pull(ImageReference ref, ContentStore store) {
        try (StoreLock.Held held = store.sharedLock()) {
            Resolved r = resolve(ref);
            Manifest.Image m = r.manifest();
            List<Descriptor> all = new ArrayList<>();
            all.add(m.config());
            all.addAll(m.layers());
            listener.resolved(ref, r.manifestDigest(), List.copyOf(all));

            // The config first: it is small and says which platform the image is for.
            Descriptor configDesc = m.config();
            Map<Digest, Path> downloaded = new LinkedHashMap<>();
            byte[] configBytes;
            if (store.hasBlob(configDesc.digest())) {
                listener.cached(configDesc);
                configBytes = store.readBlob(configDesc.digest());
            } else {
                Path p = download(ref, configDesc, store);
                if (p != null) downloaded.put(configDesc.digest(), p);
                configBytes = p != null ? readFile(p) : store.readBlob(configDesc.digest());
            }
            ImageConfig config = ImageConfig.parse(configBytes);
            if (r.indexDigest() == null && config.architecture() != null && config.os() != null) {
                Platform got = new Platform(config.os(), config.architecture(), config.variant());
                if (!platform.accepts(got) && !(platform.variant() == null && platform.os().equals(got.os()) && platform.architecture().equals(got.architecture()))) {
                    throw new ImageException(ImageException.Kind.PLATFORM, ref + " is a " + got + " image; jvmm runs " + platform + " images");
                }
            }
            if (!config.diffIds().isEmpty() && config.diffIds().size() != m.layers().size()) {
                throw new ImageException(ImageException.Kind.BAD_INPUT, "image " + ref + " is inconsistent: its config lists "
                        + config.diffIds().size() + " layers, its manifest " + m.layers().size());
            }

            Map<Digest, Descriptor> layers = new LinkedHashMap<>();
            for (Descriptor l : m.layers()) {
                if (l.digest().equals(configDesc.digest()) || layers.containsKey(l.digest())) continue;
                if (store.hasBlob(l.digest())) listener.cached(l);
                else layers.put(l.digest(), l);
            }
            downloaded.putAll(downloadAll(ref, new ArrayList<>(layers.values()), store));

            // Everything verified: only now does anything enter blobs/ and the index.
            try {
                for (var e : downloaded.entrySet()) if (e.getValue() != null) commitPartial(store, e.getValue(), e.getKey());
            } catch (IOException e) {
                throw ContentStore.io("cannot store the blobs of " + ref, e);
            }
            store.putBlob(r.manifestBytes(), r.manifestDigest());
            if (r.indexBytes() != null) store.putBlob(r.indexBytes(), r.indexDigest());
            long size = r.manifestBytes().length + configDesc.size();
            for (Descriptor l : new LinkedHashSet<>(m.layers())) size += l.size();
            ImageRecord rec = new ImageRecord(ref.toString(), r.manifestDigest(), r.manifestMediaType(), r.indexDigest(),
                    configDesc, m.layers(), config.created(), Instant.now(), size);
            store.putImage(rec);
            return rec;
        }
    }

    private static void commitPartial(ContentStore store, Path partial, Digest d) throws IOException {
        if (store.hasBlob(d)) {
            Files.deleteIfExists(partial);
            return;
        }
        try {
            ContentStore.forceFile(partial);
            store.commit(partial, d);
        } catch (NoSuchFileException e) {
            if (!store.hasBlob(d)) throw e; // another pull committed it meanwhile: fine
        }
    }

    private static byte[] readFile(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw ContentStore.io("cannot read " + p, e);
        }
    }

    private Map<Digest, Path> downloadAll(ImageReference ref, List<Descriptor> blobs, ContentStore store) {
        Map<Digest, Path> out = new LinkedHashMap<>();
        if (blobs.isEmpty()) return out;
        if (blobs.size() == 1 || threads == 1) {
            for (Descriptor d : blobs) {
                Path p = download(ref, d, store);
                if (p != null) out.put(d.digest(), p);
            }
            return out;
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, blobs.size()), r -> {
            Thread t = new Thread(r, "jvmm-pull-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            Map<Digest, Future<Path>> futures = new LinkedHashMap<>();
            for (Descriptor d : blobs) futures.put(d.digest(), pool.submit(() -> download(ref, d, store)));
            for (var e : futures.entrySet()) {
                try {
                    Path p = e.getValue().get();
                    if (p != null) out.put(e.getKey(), p);
                } catch (ExecutionException x) {
                    pool.shutdownNow();
                    Throwable c = x.getCause();
                    if (c instanceof ImageException ie) throw ie;
                    if (c instanceof RuntimeException re) throw re;
                    if (c instanceof Error err) throw err;
                    throw new ImageException(ImageException.Kind.IO, "download failed: " + c, c);
                }
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageException(ImageException.Kind.INTERRUPTED, "pull of " + ref + " interrupted (partial downloads kept to resume)", e);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Downloads one blob to {@code tmp/<hex>.partial}, resuming what is there; returns the file once its size and
     * digest are right (a wrong digest deletes it and throws DIGEST_MISMATCH), or null if the blob is in the store. Serialized per digest, in this JVM by a
     * lock and across processes by a file lock on the partial file.
     */
    Path download(ImageReference ref, Descriptor d, ContentStore store) {
        ReentrantLock jvmLock = DOWNLOAD_LOCKS.computeIfAbsent(d.digest().hex(), k -> new ReentrantLock());
        try {
            jvmLock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(ref);
        }
        Path part = store.partialPath(d.digest());
        try (FileChannel ch = FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.lock();
            if (store.hasBlob(d.digest())) {
                // another pull (maybe in another process) finished it while we waited for the lock
                Files.deleteIfExists(part);
                listener.cached(d);
                return null;
            }
            return downloadLocked(ref, d, part, ch);
        } catch (IOException e) {
            throw ContentStore.io("cannot write " + part, e);
        } finally {
            jvmLock.unlock();
        }
    }

    private Path downloadLocked(ImageReference ref, Descriptor d, Path part, FileChannel ch) throws IOException {
        String what = "blob " + d.digest() + " of " + ref;
        IOException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            if (Thread.currentThread().isInterrupted()) throw interrupted(ref);
            long have = ch.size();
            if (have > d.size()) {
                ch.truncate(0);
                have = 0;
            }
            MessageDigest md = Digest.newSha256();
            if (have > 0) hashPrefix(ch, have, md);
            if (have == d.size()) {
                listener.started(d, have);
                return finish(ref, d, part, ch, md, what);
            }
            Map<String, String> headers = have > 0 ? Map.of("Range", "bytes=" + have + "-") : Map.of();
            blobRequests.incrementAndGet();
            HttpResponse<InputStream> resp;
            try {
                resp = send(ref, uri(ref, "/blobs/" + d.digest()), headers, what);
            } catch (ImageException e) {
                if (e.kind() != ImageException.Kind.UNREACHABLE || attempt == attempts) throw e;
                listener.retrying(d, attempt + 1, e.getMessage());
                pause(attempt, ref);
                continue;
            }
            int status = resp.statusCode();
            if (status == 206) {
                String range = resp.headers().firstValue("Content-Range").orElse("");
                if (!range.startsWith("bytes " + have + "-")) {
                    closeQuietly(resp.body());
                    ch.truncate(0);
                    continue; // the server answered another range: start over
                }
            } else {
                if (have > 0) {
                    ch.truncate(0);
                    have = 0;
                    md.reset();
                }
            }
            listener.started(d, have);
            try (InputStream in = resp.body()) {
                ch.position(have);
                byte[] buf = new byte[1 << 16];
                ByteBuffer bb = ByteBuffer.wrap(buf);
                for (int n; (n = in.read(buf)) > 0; ) {
                    if (Thread.currentThread().isInterrupted()) throw interrupted(ref);
                    if (have + n > d.size()) {
                        ch.truncate(0);
                        throw new ImageException(ImageException.Kind.DIGEST_MISMATCH, "size mismatch for " + what
                                + ": the registry sent more than the " + d.size() + " bytes the manifest declares (nothing stored)");
                    }
                    bb.clear().limit(n);
                    while (bb.hasRemaining()) ch.write(bb);
                    md.update(buf, 0, n);
                    have += n;
                    listener.progress(d, have);
                }
            } catch (IOException e) {
                if (Thread.currentThread().isInterrupted() || e instanceof java.io.InterruptedIOException
                        || e.getCause() instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    throw interrupted(ref);
                }
                last = e;
                if (attempt < attempts) {
                    listener.retrying(d, attempt + 1, describe(e));
                    pause(attempt, ref);
                }
                continue;
            }
            if (have < d.size()) {
                last = new IOException("the connection closed after " + have + " of " + d.size() + " bytes");
                if (attempt < attempts) listener.retrying(d, attempt + 1, last.getMessage());
                continue;
            }
            return finish(ref, d, part, ch, md, what);
        }
        throw new ImageException(ImageException.Kind.UNREACHABLE, "download of " + what + " from " + ref.registryHost()
                + " failed after " + attempts + " attempts: " + describe(last) + " (partial download kept; pull again to resume)", last);
    }

    private Path finish(ImageReference ref, Descriptor d, Path part, FileChannel ch, MessageDigest md, String what) throws IOException {
        Digest actual = Digest.fromSha256(md);
        if (!actual.equals(d.digest())) {
            ch.truncate(0);
            Files.deleteIfExists(part);
            throw ContentStore.mismatch(what, d.digest(), actual);
        }
        ch.force(true);
        listener.done(d);
        return part;
    }

    private static void hashPrefix(FileChannel ch, long length, MessageDigest md) throws IOException {
        ByteBuffer bb = ByteBuffer.allocate(1 << 16);
        long pos = 0;
        while (pos < length) {
            bb.clear();
            if (length - pos < bb.capacity()) bb.limit((int) (length - pos));
            int n = ch.read(bb, pos);
            if (n < 0) throw new IOException("partial file shrank");
            bb.flip();
            md.update(bb);
            pos += n;
        }
    }

    private void pause(int attempt, ImageReference ref) {
        try {
            Thread.sleep(200L * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(ref);
        }
    }

    private static ImageException interrupted(ImageReference ref) {
        return new ImageException(ImageException.Kind.INTERRUPTED, "pull of " + ref + " interrupted (partial downloads kept to resume)");
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // ignore
        }
    }

    // ------------------------------------------------------------------ HTTP + auth

    private boolean isInsecure(ImageReference ref) {
        return insecure.contains(ref.registry().toLowerCase(Locale.ROOT)) || insecure.contains(ref.registryHost().toLowerCase(Locale.ROOT));
    }

    private URI uri(ImageReference ref, String tail) {
        return URI.create((isInsecure(ref) ? "http://" : "https://") + ref.registryHost() + "/v2/" + ref.repository() + tail);
    }

    private String scope(ImageReference ref) {
        return "repository:" + ref.repository() + ":pull";
    }

    private Optional<Credentials> credentialsFor(ImageReference ref) {
        Credentials c = credentials.get(ref.registry().toLowerCase(Locale.ROOT));
        if (c == null) c = credentials.get(ref.registryHost().toLowerCase(Locale.ROOT));
        if (c != null) return Optional.of(c);
        return Credentials.fromDockerConfig(dockerConfig, ref.registry());
    }

    /**
     * GET with auth (challenge → token → retry once) and redirects (Authorization dropped when the host changes).
     * Returns a 2xx response (body unread); other statuses become ImageExceptions.
     */
    private HttpResponse<InputStream> send(ImageReference ref, URI uri, Map<String, String> headers, String what) {
        String cacheKey = ref.registryHost() + " " + scope(ref);
        boolean retried = false;
        while (true) {
            String auth = authCache.get(cacheKey);
            HttpResponse<InputStream> resp = followRedirects(ref, uri, headers, auth);
            int status = resp.statusCode();
            if (status == 401 && !retried) {
                List<String> challenges = resp.headers().allValues("WWW-Authenticate");
                closeQuietly(resp.body());
                authCache.put(cacheKey, authenticate(ref, challenges, auth != null));
                retried = true;
                continue;
            }
            if (status >= 200 && status < 300) return resp;
            throw statusError(ref, resp, what, auth != null);
        }
    }

    private HttpResponse<InputStream> followRedirects(ImageReference ref, URI uri, Map<String, String> headers, String auth) {
        URI current = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(current).GET().timeout(timeout);
            headers.forEach(b::header);
            if (auth != null && sameOrigin(current, uri)) b.header("Authorization", auth);
            HttpResponse<InputStream> resp = sendRaw(ref, b.build());
            int s = resp.statusCode();
            if (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) {
                String loc = resp.headers().firstValue("Location").orElse(null);
                closeQuietly(resp.body());
                if (loc == null) throw new ImageException(ImageException.Kind.PROTOCOL, ref.registryHost() + " answered a redirect without Location");
                current = current.resolve(loc);
                continue;
            }
            return resp;
        }
        throw new ImageException(ImageException.Kind.PROTOCOL, "too many redirects from " + ref.registryHost() + " for " + uri.getPath());
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && a.getPort() == b.getPort()
                && a.getScheme().equalsIgnoreCase(b.getScheme());
    }

    private HttpResponse<InputStream> sendRaw(ImageReference ref, HttpRequest req) {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            throw unreachable(ref, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(ref);
        }
    }

    private ImageException unreachable(ImageReference ref, IOException e) {
        String host = ref.registryHost();
        String why = describe(e);
        if (e instanceof SSLException || e.getCause() instanceof SSLException) {
            return new ImageException(ImageException.Kind.UNREACHABLE, "cannot reach registry " + host + " over HTTPS: " + why
                    + (isInsecure(ref) ? "" : " (a plain-HTTP registry must be marked insecure)"), e);
        }
        return new ImageException(ImageException.Kind.UNREACHABLE, "cannot reach registry " + host + ": " + why, e);
    }

    static String describe(Throwable e) {
        if (e == null) return "unknown error";
        if (e instanceof HttpConnectTimeoutException) return "connection timed out";
        if (e instanceof HttpTimeoutException) return "no answer in time";
        if (e instanceof ConnectException || e.getCause() instanceof ConnectException) {
            Throwable c = e;
            while (c != null) {
                if (c instanceof UnresolvedAddressException || c instanceof java.net.UnknownHostException) return "unknown host";
                c = c.getCause();
            }
            return "connection refused";
        }
        if (e instanceof java.net.UnknownHostException) return "unknown host";
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            Throwable c = e.getCause();
            return c != null && c != e ? describe(c) : e.getClass().getSimpleName();
        }
        return m;
    }

    /** Answers a 401: returns the Authorization header to use. */
    private String authenticate(ImageReference ref, List<String> challenges, boolean hadAuth) {
        Optional<Credentials> creds = credentialsFor(ref);
        Map<String, String> bearer = null;
        boolean basic = false;
        for (String h : challenges) {
            for (Challenge c : Challenge.parseAll(h)) {
                if (c.scheme.equals("bearer") && bearer == null) bearer = c.params;
                if (c.scheme.equals("basic")) basic = true;
            }
        }
        if (bearer != null) {
            return "Bearer " + fetchToken(ref, bearer, creds);
        }
        if (basic) {
            if (creds.isEmpty()) {
                throw new ImageException(ImageException.Kind.AUTH, ref.registryHost() + " requires credentials for " + ref
                        + " (none in " + (dockerConfig == null ? "the options" : dockerConfig) + ")");
            }
            return creds.get().basicHeader();
        }
        throw new ImageException(ImageException.Kind.AUTH, ref.registryHost() + " refused access to " + ref
                + (challenges.isEmpty() ? " without saying how to authenticate" : " with an unsupported challenge: " + String.join("; ", challenges)));
    }

    private String fetchToken(ImageReference ref, Map<String, String> challenge, Optional<Credentials> creds) {
        String realm = challenge.get("realm");
        if (realm == null || realm.isEmpty()) throw new ImageException(ImageException.Kind.AUTH, ref.registryHost() + " sent a Bearer challenge without a realm");
        StringBuilder q = new StringBuilder();
        String service = challenge.get("service");
        if (service != null) q.append("service=").append(enc(service));
        String scope = challenge.getOrDefault("scope", scope(ref));
        for (String s : scope.split(" ")) {
            if (s.isEmpty()) continue;
            if (!q.isEmpty()) q.append('&');
            q.append("scope=").append(enc(s));
        }
        URI uri;
        try {
            uri = URI.create(realm + (q.isEmpty() ? "" : (realm.contains("?") ? "&" : "?") + q));
        } catch (IllegalArgumentException e) {
            throw new ImageException(ImageException.Kind.AUTH, ref.registryHost() + " sent a bad token realm '" + realm + "'");
        }
        if (creds.isPresent()) {
            String refused = realmRefusal(ref, uri);
            if (refused != null) {
                throw new ImageException(ImageException.Kind.AUTH, "the token realm " + realm + " of " + ref.registryHost() + " " + refused
                        + ": the credentials of " + creds.get().username() + " go only to a realm on the registry's own host, over https"
                        + " (or plain HTTP for a registry marked insecure)");
            }
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(timeout);
        creds.ifPresent(c -> b.header("Authorization", c.basicHeader()));
        int status;
        byte[] body;
        try {
            HttpResponse<InputStream> resp = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            status = resp.statusCode();
            body = readAtMost(resp.body(), MAX_TOKEN_RESPONSE, "the token response of " + ref.registryHost());
        } catch (IOException e) {
            throw new ImageException(ImageException.Kind.UNREACHABLE, "cannot reach the token server " + uri.getHost()
                    + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + " of " + ref.registryHost() + ": " + describe(e), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(ref);
        }
        if (status == 401 || status == 403) {
            throw new ImageException(ImageException.Kind.AUTH, "the token server of " + ref.registryHost() + " refused "
                    + (creds.isPresent() ? "the credentials of " + creds.get().username() : "anonymous access") + " for " + ref
                    + errorDetail(body));
        }
        if (status != 200) {
            throw new ImageException(ImageException.Kind.AUTH, "the token server of " + ref.registryHost() + " answered HTTP "
                    + status + errorDetail(body));
        }
        JsonNode n = Json.parse(body, "token response of " + ref.registryHost());
        String token = n.path("token").asText("");
        if (token.isEmpty()) token = n.path("access_token").asText("");
        if (token.isEmpty()) throw new ImageException(ImageException.Kind.AUTH, "the token server of " + ref.registryHost() + " sent no token");
        return token;
    }

    /** A token response larger than this is refused: tokens are a few KiB. */
    static final int MAX_TOKEN_RESPONSE = 1 << 20;

    /**
     * Why Basic credentials for {@code ref} must not go to the token realm {@code uri}, or null when they
     * may: the realm is on the registry's own host (Docker Hub's auth.docker.io for docker.io), over
     * https, or over plain HTTP for a registry marked insecure. A registry cannot send them elsewhere.
     */
    String realmRefusal(ImageReference ref, URI uri) {
        String realmHost = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        String registryHost = URI.create("http://" + ref.registryHost()).getHost().toLowerCase(Locale.ROOT);
        boolean dockerHub = registryHost.equals("registry-1.docker.io") && realmHost.equals("auth.docker.io");
        if (!realmHost.equals(registryHost) && !dockerHub) return "is on another host (" + realmHost + ")";
        if ("https".equalsIgnoreCase(uri.getScheme())) return null;
        if ("http".equalsIgnoreCase(uri.getScheme()) && isInsecure(ref)) return null;
        return "is not https";
    }

    /** At most {@code limit} bytes of {@code in}, closed after; more is an error naming {@code what}. */
    static byte[] readAtMost(InputStream in, int limit, String what) throws IOException {
        try (in) {
            byte[] b = in.readNBytes(limit + 1);
            if (b.length > limit) throw new ImageException(ImageException.Kind.AUTH, what + " is larger than " + (limit >> 10) + " KiB");
            return b;
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private ImageException statusError(ImageReference ref, HttpResponse<InputStream> resp, String what, boolean authed) {
        byte[] body;
        try (InputStream in = resp.body()) {
            body = in.readNBytes(16 << 10);
        } catch (IOException e) {
            body = new byte[0];
        }
        String detail = errorDetail(body);
        int s = resp.statusCode();
        String code = errorCode(body);
        if (s == 404) {
            if (what.startsWith("manifest")) {
                String kind = "NAME_UNKNOWN".equals(code) ? "repository not found" : "image not found";
                return new ImageException(ImageException.Kind.NOT_FOUND, kind + ": " + ref + detail);
            }
            return new ImageException(ImageException.Kind.NOT_FOUND, what + " not found on " + ref.registryHost() + detail);
        }
        if (s == 401 || s == 403) {
            return new ImageException(ImageException.Kind.AUTH, "pull access denied for " + ref + " by " + ref.registryHost()
                    + (authed ? "" : " (anonymous)") + ": the repository does not exist or needs credentials" + detail);
        }
        if (s == 429) return new ImageException(ImageException.Kind.PROTOCOL, ref.registryHost() + " is rate-limiting pulls" + detail);
        return new ImageException(ImageException.Kind.PROTOCOL, ref.registryHost() + " answered HTTP " + s + " for " + what + detail);
    }

    private static String errorCode(byte[] body) {
        try {
            JsonNode e = Json.MAPPER.readTree(body).path("errors").path(0);
            return e.path("code").asText(null);
        } catch (IOException | RuntimeException x) {
            return null;
        }
    }

    private static String errorDetail(byte[] body) {
        try {
            JsonNode root = Json.MAPPER.readTree(body);
            if (root == null) return "";
            JsonNode e = root.path("errors").path(0);
            if (e.isObject()) {
                String code = e.path("code").asText("");
                String msg = e.path("message").asText("");
                return " (" + (code.isEmpty() ? msg : code + (msg.isEmpty() ? "" : ": " + msg)) + ")";
            }
            if (root.hasNonNull("details")) return " (" + root.get("details").asText() + ")";
        } catch (IOException | RuntimeException x) {
            // not JSON
        }
        return "";
    }

    /** One {@code WWW-Authenticate} challenge: scheme (lower case) and its parameters. */
    record Challenge(String scheme, Map<String, String> params) {
        /** Parses {@code Bearer realm="...",service="...",scope="a:b:pull,push", Basic realm="x"}. */
        static List<Challenge> parseAll(String header) {
            List<Challenge> out = new ArrayList<>();
            int i = 0, n = header.length();
            String scheme = null;
            Map<String, String> params = null;
            while (i < n) {
                while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ',')) i++;
                int start = i;
                while (i < n && header.charAt(i) != ' ' && header.charAt(i) != '=' && header.charAt(i) != ',') i++;
                String token = header.substring(start, i);
                if (token.isEmpty()) break;
                int j = i;
                while (j < n && header.charAt(j) == ' ') j++;
                if (j < n && header.charAt(j) == '=' && scheme != null) {
                    i = j + 1;
                    while (i < n && header.charAt(i) == ' ') i++;
                    String value;
                    if (i < n && header.charAt(i) == '"') {
                        StringBuilder sb = new StringBuilder();
                        i++;
                        while (i < n && header.charAt(i) != '"') {
                            if (header.charAt(i) == '\\' && i + 1 < n) i++;
                            sb.append(header.charAt(i++));
                        }
                        i++;
                        value = sb.toString();
                    } else {
                        int vs = i;
                        while (i < n && header.charAt(i) != ',') i++;
                        value = header.substring(vs, i).trim();
                    }
                    params.put(token.toLowerCase(Locale.ROOT), value);
                } else {
                    if (scheme != null) out.add(new Challenge(scheme, params));
                    scheme = token.toLowerCase(Locale.ROOT);
                    params = new LinkedHashMap<>();
                }
            }
            if (scheme != null) out.add(new Challenge(scheme, params));
            return out;
        }
    }
}
