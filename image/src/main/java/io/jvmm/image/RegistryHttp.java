package io.jvmm.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvmm.files.Closeables;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLException;

/**
 * HTTP to a registry's API v2: the URL of a repository path (https, or plain HTTP for a registry marked insecure),
 * GETs with a timeout that follow redirects by hand, and the mapping of transport failures and error statuses to
 * {@link ImageException}s. Which {@code Authorization} to send is {@link RegistryAuth}'s business.
 */
final class RegistryHttp {
    private static final int MAX_REDIRECTS = 5;
    /** An error body is only read for its message. */
    private static final int MAX_ERROR_BODY = 16 << 10;

    private final HttpClient http;
    private final Set<String> insecure;
    private final Duration timeout;

    /**
     * {@code insecure} holds registries ({@code host[:port]}, lower case) spoken to over plain HTTP;
     * {@code timeout} bounds the wait for a response's headers.
     */
    RegistryHttp(Set<String> insecure, Duration connectTimeout, Duration timeout) {
        // Redirects are followed by hand so that Authorization is dropped when the host changes.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(connectTimeout)
                .build();
        this.insecure = Set.copyOf(insecure);
        this.timeout = timeout;
    }

    boolean isInsecure(ImageReference ref) {
        return insecure.contains(ref.registry().toLowerCase(Locale.ROOT))
                || insecure.contains(ref.registryHost().toLowerCase(Locale.ROOT));
    }

    /** {@code <scheme>://<registry host>/v2/<repository><tail>}. */
    URI uri(ImageReference ref, String tail) {
        return URI.create(
                (isInsecure(ref) ? "http://" : "https://") + ref.registryHost() + "/v2/" + ref.repository() + tail);
    }

    /** A GET of {@code uri} with the response timeout. */
    HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).GET().timeout(timeout);
    }

    /** Sends {@code req} once, as is (no redirects); the caller maps failures. */
    HttpResponse<InputStream> sendOnce(HttpRequest req) throws IOException, InterruptedException {
        return http.send(req, HttpResponse.BodyHandlers.ofInputStream());
    }

    /**
     * GETs {@code uri} with {@code headers}, following up to 5 redirects; {@code auth} (may be null) is sent only to
     * the origin of {@code uri}, not to blob storage elsewhere. Returns the first non-redirect response, body unread.
     */
    HttpResponse<InputStream> get(ImageReference ref, URI uri, Map<String, String> headers, String auth) {
        URI current = uri;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder b = request(current);
            headers.forEach(b::header);
            if (auth != null && sameOrigin(current, uri)) b.header("Authorization", auth);
            HttpResponse<InputStream> resp = send(ref, b.build());
            int s = resp.statusCode();
            if (s == 301 || s == 302 || s == 303 || s == 307 || s == 308) {
                String loc = resp.headers().firstValue("Location").orElse(null);
                Closeables.closeQuietly(resp.body());
                if (loc == null)
                    throw new ImageException(
                            ImageException.Kind.PROTOCOL, ref.registryHost() + " answered a redirect without Location");
                current = current.resolve(loc);
                continue;
            }
            return resp;
        }
        throw new ImageException(
                ImageException.Kind.PROTOCOL,
                "too many redirects from " + ref.registryHost() + " for " + uri.getPath());
    }

    private static boolean sameOrigin(URI a, URI b) {
        return a.getHost() != null
                && a.getHost().equalsIgnoreCase(b.getHost())
                && a.getPort() == b.getPort()
                && a.getScheme().equalsIgnoreCase(b.getScheme());
    }

    private HttpResponse<InputStream> send(ImageReference ref, HttpRequest req) {
        try {
            return sendOnce(req);
        } catch (IOException e) {
            throw unreachable(ref, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw interrupted(ref);
        }
    }

    /** A transport failure talking to the registry of {@code ref}; a TLS failure hints at a plain-HTTP registry. */
    ImageException unreachable(ImageReference ref, IOException e) {
        String host = ref.registryHost();
        String why = ImageException.describe(e);
        if (e instanceof SSLException || e.getCause() instanceof SSLException) {
            return new ImageException(
                    ImageException.Kind.UNREACHABLE,
                    "cannot reach registry " + host + " over HTTPS: " + why
                            + (isInsecure(ref) ? "" : " (a plain-HTTP registry must be marked insecure)"),
                    e);
        }
        return new ImageException(ImageException.Kind.UNREACHABLE, "cannot reach registry " + host + ": " + why, e);
    }

    /** The pull of {@code ref} was interrupted; partial downloads stay for the next pull. */
    static ImageException interrupted(ImageReference ref) {
        return new ImageException(
                ImageException.Kind.INTERRUPTED, "pull of " + ref + " interrupted (partial downloads kept to resume)");
    }

    /**
     * The error for a non-2xx answer to a GET of {@code what} (a description starting with "manifest" for manifests),
     * with the registry's own error code and message when its body has them.
     */
    static ImageException statusError(ImageReference ref, HttpResponse<InputStream> resp, String what, boolean authed) {
        byte[] body;
        try (InputStream in = resp.body()) {
            body = in.readNBytes(MAX_ERROR_BODY);
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
            return new ImageException(
                    ImageException.Kind.NOT_FOUND, what + " not found on " + ref.registryHost() + detail);
        }
        if (s == 401 || s == 403) {
            return new ImageException(
                    ImageException.Kind.AUTH,
                    "pull access denied for " + ref + " by " + ref.registryHost() + (authed ? "" : " (anonymous)")
                            + ": the repository does not exist or needs credentials" + detail);
        }
        if (s == 429)
            return new ImageException(
                    ImageException.Kind.PROTOCOL, ref.registryHost() + " is rate-limiting pulls" + detail);
        return new ImageException(
                ImageException.Kind.PROTOCOL, ref.registryHost() + " answered HTTP " + s + " for " + what + detail);
    }

    private static String errorCode(byte[] body) {
        try {
            JsonNode e = Json.MAPPER.readTree(body).path("errors").path(0);
            return e.path("code").asText(null);
        } catch (IOException | RuntimeException x) {
            return null;
        }
    }

    /**
     * {@code " (CODE: message)"} from a registry's {@code errors} body, {@code " (details)"} from a token server's,
     * or "" when the body is neither.
     */
    static String errorDetail(byte[] body) {
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
}
