package io.jvmm.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** A registry user name and password (or token), for Basic auth and for the token endpoint. */
public record Credentials(String username, String password) {

    @Override
    public String toString() {
        return "Credentials[" + username + ", ****]";
    }

    String basicHeader() {
        return "Basic "
                + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}. */
    public static Path defaultDockerConfig() {
        String dc = System.getenv("DOCKER_CONFIG");
        if (dc != null && !dc.isEmpty()) return Path.of(dc, "config.json");
        return Path.of(System.getProperty("user.home"), ".docker", "config.json");
    }

    /**
     * The credentials for {@code registry} (as written in references: {@code docker.io}, {@code host:5000}) in a
     * docker config file: {@code auths.<key>.auth} (base64 {@code user:password}) or {@code username}/{@code password};
     * the key may be the bare host or a URL ({@code https://index.docker.io/v1/} for Docker Hub). Credential helpers
     * ({@code credsStore}, {@code credHelpers}) are not run. Empty when the file or the entry is missing.
     */
    public static Optional<Credentials> fromDockerConfig(Path configFile, String registry) {
        if (configFile == null || !Files.isRegularFile(configFile)) return Optional.empty();
        JsonNode root;
        try {
            root = Json.parse(Files.readAllBytes(configFile), configFile.toString());
        } catch (IOException e) {
            throw new ImageException(ImageException.Kind.IO, "cannot read " + configFile + ": " + e.getMessage(), e);
        }
        JsonNode auths = root.path("auths");
        List<String> wanted = registry.equals(ImageReference.DOCKER_HUB)
                ? List.of("docker.io", "index.docker.io", "registry-1.docker.io")
                : List.of(registry);
        var it = auths.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!wanted.contains(hostOf(e.getKey()))) continue;
            JsonNode v = e.getValue();
            String auth = v.path("auth").asText("");
            if (!auth.isEmpty()) {
                String decoded;
                try {
                    decoded = new String(Base64.getDecoder().decode(auth.trim()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException x) {
                    throw new ImageException(
                            ImageException.Kind.BAD_INPUT,
                            configFile + ": auths." + e.getKey() + ".auth is not base64");
                }
                int colon = decoded.indexOf(':');
                if (colon < 0)
                    throw new ImageException(
                            ImageException.Kind.BAD_INPUT,
                            configFile + ": auths." + e.getKey() + ".auth is not user:password");
                return Optional.of(new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
            }
            if (v.hasNonNull("username") && v.hasNonNull("password")) {
                return Optional.of(new Credentials(
                        v.get("username").asText(), v.get("password").asText()));
            }
        }
        return Optional.empty();
    }

    /** {@code https://index.docker.io/v1/} → {@code index.docker.io}; {@code host:5000} stays. */
    static String hostOf(String key) {
        String k = key.trim();
        int scheme = k.indexOf("://");
        if (scheme >= 0) k = k.substring(scheme + 3);
        int slash = k.indexOf('/');
        if (slash >= 0) k = k.substring(0, slash);
        return k.toLowerCase(Locale.ROOT);
    }
}
