package io.jvmm.image;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A normalized image reference, as docker understands them: {@code busybox} is
 * {@code docker.io/library/busybox:latest}; {@code host:5000/a/b:tag}, {@code localhost/x},
 * {@code name@sha256:...} and {@code name:tag@sha256:...} (the digest wins) are accepted.
 *
 * @param registry   the registry as written ({@code docker.io}, {@code localhost:5000}, {@code ghcr.io})
 * @param repository the repository path ({@code library/busybox})
 * @param tag        the tag, or null when only a digest was given
 * @param digest     the manifest digest, or null
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {
    public static final String DOCKER_HUB = "docker.io";
    public static final String DOCKER_HUB_HOST = "registry-1.docker.io";

    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern HOST = Pattern.compile(
            "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?");

    public ImageReference {
        if (tag == null && digest == null) tag = "latest";
    }

    /** Parses and normalizes a reference; throws {@link ImageException} (BAD_INPUT) naming what is wrong. */
    public static ImageReference parse(String text) {
        if (text == null || text.isBlank()) throw bad(text, "empty");
        String s = text.trim();
        if (s.chars().anyMatch(Character::isWhitespace)) throw bad(text, "contains whitespace");
        Digest digest = null;
        int at = s.indexOf('@');
        if (at >= 0) {
            String d = s.substring(at + 1);
            try {
                digest = Digest.parse(d);
            } catch (ImageException e) {
                throw bad(text, e.getMessage());
            }
            s = s.substring(0, at);
        }
        String tag = null;
        int slash = s.lastIndexOf('/');
        int colon = s.lastIndexOf(':');
        if (colon > slash) {
            tag = s.substring(colon + 1);
            s = s.substring(0, colon);
            if (!TAG.matcher(tag).matches()) {
                throw bad(
                        text,
                        "invalid tag '" + tag
                                + "' (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')");
            }
        }
        if (s.isEmpty()) throw bad(text, "no repository name");
        String registry;
        String path;
        int first = s.indexOf('/');
        String head = first < 0 ? null : s.substring(0, first);
        if (head != null
                && (head.contains(".") || head.contains(":") || head.equals("localhost") || head.startsWith("["))) {
            registry = head;
            path = s.substring(first + 1);
            if (!HOST.matcher(registry).matches()) throw bad(text, "invalid registry host '" + registry + "'");
        } else {
            registry = DOCKER_HUB;
            path = s;
        }
        if (registry.equals("index.docker.io") || registry.equals(DOCKER_HUB_HOST)) registry = DOCKER_HUB;
        if (path.isEmpty()) throw bad(text, "no repository name");
        for (String c : path.split("/", -1)) {
            if (c.isEmpty()) throw bad(text, "empty path component in '" + path + "'");
            if (!COMPONENT.matcher(c).matches()) {
                if (!c.equals(c.toLowerCase(Locale.ROOT))) throw bad(text, "repository name must be lowercase");
                throw bad(text, "invalid repository name component '" + c + "'");
            }
        }
        if (registry.equals(DOCKER_HUB) && !path.contains("/")) path = "library/" + path;
        if (registry.length() + 1 + path.length() > 255) throw bad(text, "name longer than 255 characters");
        return new ImageReference(registry, path, tag, digest);
    }

    private static ImageException bad(String text, String why) {
        return new ImageException(ImageException.Kind.BAD_INPUT, "invalid image reference '" + text + "': " + why);
    }

    /** The host[:port] to talk to: {@code registry-1.docker.io} for Docker Hub. */
    public String registryHost() {
        return registry.equals(DOCKER_HUB) ? DOCKER_HUB_HOST : registry;
    }

    /** What goes after {@code /manifests/}: the digest if there is one, else the tag. */
    public String manifestReference() {
        return digest != null ? digest.toString() : tag;
    }

    /** {@code registry/repository}. */
    public String name() {
        return registry + "/" + repository;
    }

    /** The same repository with another tag and no digest. */
    public ImageReference withTag(String newTag) {
        return new ImageReference(registry, repository, newTag, null);
    }

    /** The same repository pinned to a digest (the tag is dropped). */
    public ImageReference withDigest(Digest d) {
        return new ImageReference(registry, repository, null, d);
    }

    /** The short form docker prints: {@code busybox:latest} for official images, else the full name. */
    public String familiar() {
        String n = registry.equals(DOCKER_HUB)
                ? (repository.startsWith("library/") ? repository.substring(8) : repository)
                : name();
        return n + (digest != null ? "@" + digest : ":" + tag);
    }

    /** The canonical form: {@code registry/repository:tag}, {@code registry/repository@digest} when pinned. */
    @Override
    public String toString() {
        if (digest != null) return name() + (tag != null ? ":" + tag : "") + "@" + digest;
        return name() + ":" + tag;
    }

    /**
     * Whether the registry is on this host ({@code localhost}, {@code 127.x.x.x}, {@code [::1]}, any
     * port): docker talks plain HTTP to those without being told, and so does jvmm.
     */
    public boolean loopbackRegistry() {
        String host = registry.toLowerCase(Locale.ROOT);
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            host = end < 0 ? host : host.substring(1, end);
        } else {
            int colon = host.lastIndexOf(':');
            if (colon >= 0) host = host.substring(0, colon);
        }
        return host.equals("localhost") || host.equals("::1") || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
    }
}
