package io.jvmm.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Parsing of image manifests and indexes (Docker v2 schema 2 and OCI), whichever the bytes hold. */
public final class Manifest {
    private Manifest() {}

    /** Either an {@link Image} manifest or an {@link Index}. */
    public sealed interface Parsed permits Image, Index {
        String mediaType();
    }

    /** An image manifest: one config and the layers, bottom first. */
    public record Image(String mediaType, Descriptor config, List<Descriptor> layers) implements Parsed {}

    /** A manifest list / image index: one descriptor per platform. */
    public record Index(String mediaType, List<Descriptor> manifests) implements Parsed {
        /** The entry for {@code wanted}, or PLATFORM error naming the platforms there are. */
        public Descriptor select(Platform wanted, String what) {
            for (Descriptor d : manifests) {
                if (wanted.accepts(d.platform()) && (d.mediaType() == null || !MediaTypes.isIndex(d.mediaType())))
                    return d;
            }
            String available = manifests.stream()
                    .map(d -> d.platform() == null ? "unknown" : d.platform().toString())
                    .filter(p -> !p.equals("unknown/unknown"))
                    .distinct()
                    .collect(Collectors.joining(", "));
            throw new ImageException(
                    ImageException.Kind.PLATFORM,
                    what + " has no " + wanted + " image (available: " + (available.isEmpty() ? "none" : available)
                            + ")");
        }
    }

    /**
     * Parses a manifest body. {@code contentType} (the HTTP Content-Type, may be null) and the body's own
     * {@code mediaType} field decide which kind it is; a body without either is told apart by its fields.
     */
    public static Parsed parse(byte[] body, String contentType, String what) {
        JsonNode root = Json.parse(body, what);
        if (!root.isObject()) throw bad(what + " is not a JSON object");
        String mt = root.path("mediaType").asText(null);
        if (mt == null || mt.isEmpty()) mt = contentType == null ? null : contentType.split(";")[0].trim();
        if (mt == null || mt.isEmpty() || mt.equals("application/json") || mt.equals("text/plain")) {
            mt = root.has("manifests") ? MediaTypes.OCI_INDEX : root.has("layers") ? MediaTypes.OCI_MANIFEST : null;
        }
        if (mt == null) throw bad(what + " has no mediaType and is neither a manifest nor an index");
        if (mt.equals(MediaTypes.DOCKER_MANIFEST_V1)
                || mt.equals(MediaTypes.DOCKER_MANIFEST_V1_SIGNED)
                || root.path("schemaVersion").asInt() == 1) {
            throw new ImageException(
                    ImageException.Kind.PROTOCOL,
                    what + " is a Docker schema 1 manifest, which is not supported (re-push it with a current tool)");
        }
        if (MediaTypes.isIndex(mt)) {
            JsonNode ms = root.get("manifests");
            if (ms == null || !ms.isArray()) throw bad(what + " is an index without a manifests array");
            List<Descriptor> list = new ArrayList<>();
            for (int i = 0; i < ms.size(); i++)
                list.add(Descriptor.fromJson(ms.get(i), what + ": manifests[" + i + "]"));
            return new Index(mt, List.copyOf(list));
        }
        if (MediaTypes.isManifest(mt)) {
            Descriptor config = Descriptor.fromJson(root.get("config"), what + ": config");
            JsonNode ls = root.get("layers");
            if (ls == null || !ls.isArray()) throw bad(what + " has no layers array");
            List<Descriptor> layers = new ArrayList<>();
            for (int i = 0; i < ls.size(); i++) {
                Descriptor d = Descriptor.fromJson(ls.get(i), what + ": layers[" + i + "]");
                if (d.mediaType() != null && !MediaTypes.LAYERS.contains(d.mediaType())) {
                    throw new ImageException(
                            ImageException.Kind.PROTOCOL,
                            what + ": layers[" + i + "] has unsupported media type " + d.mediaType()
                                    + " (not a container image? artifacts are not supported)");
                }
                layers.add(d);
            }
            return new Image(mt, config, List.copyOf(layers));
        }
        throw new ImageException(ImageException.Kind.PROTOCOL, what + " has unsupported media type " + mt);
    }

    static ImageException bad(String message) {
        return new ImageException(ImageException.Kind.BAD_INPUT, message);
    }
}
