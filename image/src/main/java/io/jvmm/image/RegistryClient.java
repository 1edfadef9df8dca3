package io.jvmm.image;

import io.jvmm.files.PathLock;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
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
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client of the OCI distribution API v2 (Docker Registry HTTP API v2) that pulls images into a
 * {@link ContentStore}.
 * <ul>
 * <li>Manifests are asked for with both Docker schema 2 and OCI media types (image manifests and
 *     lists/indexes); an index is resolved to the wanted platform (linux/amd64).</li>
 * <li>Every manifest and blob is checked against its sha256 before it enters the store, and nothing enters it
 *     before all of an image's blobs verified.</li>
 * <li>HTTPS, or plain HTTP for registries marked {@link Builder#insecure}. Auth (anonymous, Bearer tokens,
 *     Basic) is {@code RegistryAuth}'s; blob downloads with resume and retries are {@code BlobDownloader}'s;
 *     redirects and error statuses are {@code RegistryHttp}'s.</li>
 * </ul>
 * Every failure is an {@link ImageException} with a one-line message.
 */
public final class RegistryClient {
    private static final int MAX_MANIFEST = 4 << 20;

    private final RegistryHttp http;
    private final RegistryAuth auth;
    private final BlobDownloader downloader;
    private final Platform platform;
    private final PullListener listener;
    private final AtomicLong manifestRequests = new AtomicLong();

    private RegistryClient(Builder b) {
        this.http = new RegistryHttp(b.insecure, b.connectTimeout, b.timeout);
        this.auth = new RegistryAuth(http, b.credentials, b.dockerConfig);
        this.downloader = new BlobDownloader(http, auth, b.threads, b.attempts, b.listener);
        this.platform = b.platform;
        this.listener = b.listener;
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
        return downloader.requests();
    }

    /** GET requests made for manifests. */
    public long manifestRequests() {
        return manifestRequests.get();
    }

    // ------------------------------------------------------------------ resolve

    /** The manifest chosen for our platform, verified, and the index it came from (if any). */
    public record Resolved(
            ImageReference ref,
            Digest indexDigest,
            String indexMediaType,
            byte[] indexBytes,
            Digest manifestDigest,
            String manifestMediaType,
            byte[] manifestBytes,
            Manifest.Image manifest) {}

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
        Manifest.Parsed p2 =
                Manifest.parse(child.body, child.contentType, "manifest " + chosen.digest() + " of " + ref);
        if (!(p2 instanceof Manifest.Image img)) {
            throw new ImageException(
                    ImageException.Kind.PROTOCOL,
                    "the " + platform + " entry of " + ref + " is a nested index, which is not supported");
        }
        return new Resolved(
                ref, top.digest, index.mediaType(), top.body, child.digest, img.mediaType(), child.body, img);
    }

    private record Fetched(byte[] body, String contentType, Digest digest) {}

    private Fetched fetchManifest(ImageReference ref, String reference, Digest expected, long expectedSize) {
        manifestRequests.incrementAndGet();
        URI uri = http.uri(ref, "/manifests/" + reference);
        HttpResponse<InputStream> resp =
                auth.get(ref, uri, Map.of("Accept", MediaTypes.MANIFEST_ACCEPT), "manifest of " + ref);
        byte[] body;
        try (InputStream in = resp.body()) {
            body = in.readNBytes(MAX_MANIFEST + 1);
        } catch (IOException e) {
            throw http.unreachable(ref, e);
        }
        if (body.length > MAX_MANIFEST)
            throw new ImageException(ImageException.Kind.PROTOCOL, "manifest of " + ref + " is larger than 4 MiB");
        Digest actual = Digest.of(body);
        if (expected != null && !actual.equals(expected))
            throw ContentStore.mismatch("manifest of " + ref, expected, actual);
        if (expectedSize >= 0 && body.length != expectedSize) {
            throw new ImageException(
                    ImageException.Kind.DIGEST_MISMATCH,
                    "size mismatch for manifest " + expected + " of " + ref + ": expected " + expectedSize
                            + " bytes, got " + body.length + " (nothing stored)");
        }
        Optional<String> header = resp.headers().firstValue("Docker-Content-Digest");
        if (expected == null && header.isPresent() && header.get().startsWith("sha256:")) {
            Digest claimed = Digest.parse(header.get().trim());
            if (!claimed.equals(actual))
                throw ContentStore.mismatch("manifest of " + ref + " (Docker-Content-Digest)", claimed, actual);
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
        try (PathLock.Held held = store.sharedLock()) {
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
                Path p = downloader.download(ref, configDesc, store);
                if (p != null) downloaded.put(configDesc.digest(), p);
                configBytes = p != null ? readFile(p) : store.readBlob(configDesc.digest());
            }
            ImageConfig config = ImageConfig.parse(configBytes);
            if (r.indexDigest() == null && config.architecture() != null && config.os() != null) {
                Platform got = new Platform(config.os(), config.architecture(), config.variant());
                if (!platform.accepts(got)
                        && !(platform.variant() == null
                                && platform.os().equals(got.os())
                                && platform.architecture().equals(got.architecture()))) {
                    throw new ImageException(
                            ImageException.Kind.PLATFORM,
                            ref + " is a " + got + " image; jvmm runs " + platform + " images");
                }
            }
            if (!config.diffIds().isEmpty()
                    && config.diffIds().size() != m.layers().size()) {
                throw new ImageException(
                        ImageException.Kind.BAD_INPUT,
                        "image " + ref + " is inconsistent: its config lists "
                                + config.diffIds().size() + " layers, its manifest "
                                + m.layers().size());
            }

            Map<Digest, Descriptor> layers = new LinkedHashMap<>();
            for (Descriptor l : m.layers()) {
                if (l.digest().equals(configDesc.digest()) || layers.containsKey(l.digest())) continue;
                if (store.hasBlob(l.digest())) listener.cached(l);
                else layers.put(l.digest(), l);
            }
            downloaded.putAll(downloader.downloadAll(ref, new ArrayList<>(layers.values()), store));

            // Everything verified: only now does anything enter blobs/ and the index.
            try {
                for (var e : downloaded.entrySet())
                    if (e.getValue() != null) commitPartial(store, e.getValue(), e.getKey());
            } catch (IOException e) {
                throw ContentStore.io("cannot store the blobs of " + ref, e);
            }
            store.putBlob(r.manifestBytes(), r.manifestDigest());
            if (r.indexBytes() != null) store.putBlob(r.indexBytes(), r.indexDigest());
            long size = r.manifestBytes().length + configDesc.size();
            for (Descriptor l : new LinkedHashSet<>(m.layers())) size += l.size();
            ImageRecord rec = new ImageRecord(
                    ref.toString(),
                    r.manifestDigest(),
                    r.manifestMediaType(),
                    r.indexDigest(),
                    configDesc,
                    m.layers(),
                    config.created(),
                    Instant.now(),
                    size);
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
}
