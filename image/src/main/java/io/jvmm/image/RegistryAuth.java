package io.jvmm.image;

import com.fasterxml.jackson.databind.JsonNode;
import io.jvmm.files.Closeables;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authentication to a registry, Docker's token flow: a request answered 401 is retried once with what its
 * {@code WWW-Authenticate} challenge asks for, a Bearer token from the challenge's realm (asked with Basic
 * credentials when we have some) or Basic credentials. The answer is cached per registry and repository.
 * Credentials come from {@link RegistryClient.Builder#credentials} or the docker config file, and go only to the
 * registry itself or a token realm on its host, so that a registry cannot send them elsewhere.
 */
final class RegistryAuth {
    /** A token response larger than this is refused: tokens are a few KiB. */
    static final int MAX_TOKEN_RESPONSE = 1 << 20;

    private final RegistryHttp http;
    private final Map<String, Credentials> credentials;
    private final Path dockerConfig;
    private final Map<String, String> authCache = new ConcurrentHashMap<>();

    /** {@code credentials} by registry ({@code host[:port]}, lower case); {@code dockerConfig} may be null. */
    RegistryAuth(RegistryHttp http, Map<String, Credentials> credentials, Path dockerConfig) {
        this.http = http;
        this.credentials = Map.copyOf(credentials);
        this.dockerConfig = dockerConfig;
    }

    /**
     * GET with auth (challenge → token → retry once) and redirects (Authorization dropped when the host changes).
     * Returns a 2xx response (body unread); other statuses become ImageExceptions.
     */
    HttpResponse<InputStream> get(ImageReference ref, URI uri, Map<String, String> headers, String what) {
        String cacheKey = ref.registryHost() + " " + scope(ref);
        boolean retried = false;
        while (true) {
            String auth = authCache.get(cacheKey);
            HttpResponse<InputStream> resp = http.get(ref, uri, headers, auth);
            int status = resp.statusCode();
            if (status == 401 && !retried) {
                List<String> challenges = resp.headers().allValues("WWW-Authenticate");
                Closeables.closeQuietly(resp.body());
                authCache.put(cacheKey, authenticate(ref, challenges, auth != null));
                retried = true;
                continue;
            }
            if (status >= 200 && status < 300) return resp;
            throw RegistryHttp.statusError(ref, resp, what, auth != null);
        }
    }

    /** Answers a 401: returns the Authorization header to use. */
    private String authenticate(ImageReference ref, List<String> challenges, boolean hadAuth) {
        Optional<Credentials> creds = credentialsFor(ref);
        Map<String, String> bearer = null;
        boolean basic = false;
        for (String h : challenges) {
            for (Challenge c : Challenge.parseAll(h)) {
                if (c.scheme().equals("bearer") && bearer == null) bearer = c.params();
                if (c.scheme().equals("basic")) basic = true;
            }
        }
        if (bearer != null) {
            return "Bearer " + fetchToken(ref, bearer, creds);
        }
        if (basic) {
            if (creds.isEmpty()) {
                throw new ImageException(
                        ImageException.Kind.AUTH,
                        ref.registryHost() + " requires credentials for " + ref + " (none in "
                                + (dockerConfig == null ? "the options" : dockerConfig) + ")");
            }
            return creds.get().basicHeader();
        }
        throw new ImageException(
                ImageException.Kind.AUTH,
                ref.registryHost() + " refused access to " + ref
                        + (challenges.isEmpty()
                                ? " without saying how to authenticate"
                                : " with an unsupported challenge: " + String.join("; ", challenges)));
    }

    private String fetchToken(ImageReference ref, Map<String, String> challenge, Optional<Credentials> creds) {
        String realm = challenge.get("realm");
        if (realm == null || realm.isEmpty())
            throw new ImageException(
                    ImageException.Kind.AUTH, ref.registryHost() + " sent a Bearer challenge without a realm");
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
            throw new ImageException(
                    ImageException.Kind.AUTH, ref.registryHost() + " sent a bad token realm '" + realm + "'");
        }
        if (creds.isPresent()) {
            String refused = realmRefusal(ref, uri, http.isInsecure(ref));
            if (refused != null) {
                throw new ImageException(
                        ImageException.Kind.AUTH,
                        "the token realm " + realm + " of " + ref.registryHost() + " " + refused
                                + ": the credentials of " + creds.get().username()
                                + " go only to a realm on the registry's own host, over https"
                                + " (or plain HTTP for a registry marked insecure)");
            }
        }
        HttpRequest.Builder b = http.request(uri);
        creds.ifPresent(c -> b.header("Authorization", c.basicHeader()));
        int status;
        byte[] body;
        try {
            HttpResponse<InputStream> resp = http.sendOnce(b.build());
            status = resp.statusCode();
            body = readAtMost(resp.body(), MAX_TOKEN_RESPONSE, "the token response of " + ref.registryHost());
        } catch (IOException e) {
            throw new ImageException(
                    ImageException.Kind.UNREACHABLE,
                    "cannot reach the token server " + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                            + " of " + ref.registryHost() + ": " + ImageException.describe(e),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw RegistryHttp.interrupted(ref);
        }
        if (status == 401 || status == 403) {
            throw new ImageException(
                    ImageException.Kind.AUTH,
                    "the token server of " + ref.registryHost() + " refused "
                            + (creds.isPresent()
                                    ? "the credentials of " + creds.get().username()
                                    : "anonymous access") + " for " + ref
                            + RegistryHttp.errorDetail(body));
        }
        if (status != 200) {
            throw new ImageException(
                    ImageException.Kind.AUTH,
                    "the token server of " + ref.registryHost() + " answered HTTP " + status
                            + RegistryHttp.errorDetail(body));
        }
        JsonNode n = Json.parse(body, "token response of " + ref.registryHost());
        String token = n.path("token").asText("");
        if (token.isEmpty()) token = n.path("access_token").asText("");
        if (token.isEmpty())
            throw new ImageException(
                    ImageException.Kind.AUTH, "the token server of " + ref.registryHost() + " sent no token");
        return token;
    }

    /**
     * Why Basic credentials for {@code ref} must not go to the token realm {@code uri}, or null when they
     * may: the realm is on the registry's own host (Docker Hub's auth.docker.io for docker.io), over
     * https, or over plain HTTP for a registry marked insecure. A registry cannot send them elsewhere.
     */
    static String realmRefusal(ImageReference ref, URI uri, boolean insecureRegistry) {
        String realmHost = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        String registryHost =
                URI.create("http://" + ref.registryHost()).getHost().toLowerCase(Locale.ROOT);
        boolean dockerHub = registryHost.equals("registry-1.docker.io") && realmHost.equals("auth.docker.io");
        if (!realmHost.equals(registryHost) && !dockerHub) return "is on another host (" + realmHost + ")";
        if ("https".equalsIgnoreCase(uri.getScheme())) return null;
        if ("http".equalsIgnoreCase(uri.getScheme()) && insecureRegistry) return null;
        return "is not https";
    }

    /** At most {@code limit} bytes of {@code in}, closed after; more is an error naming {@code what}. */
    static byte[] readAtMost(InputStream in, int limit, String what) throws IOException {
        try (in) {
            byte[] b = in.readNBytes(limit + 1);
            if (b.length > limit)
                throw new ImageException(ImageException.Kind.AUTH, what + " is larger than " + (limit >> 10) + " KiB");
            return b;
        }
    }

    private Optional<Credentials> credentialsFor(ImageReference ref) {
        Credentials c = credentials.get(ref.registry().toLowerCase(Locale.ROOT));
        if (c == null) c = credentials.get(ref.registryHost().toLowerCase(Locale.ROOT));
        if (c != null) return Optional.of(c);
        return Credentials.fromDockerConfig(dockerConfig, ref.registry());
    }

    private static String scope(ImageReference ref) {
        return "repository:" + ref.repository() + ":pull";
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
