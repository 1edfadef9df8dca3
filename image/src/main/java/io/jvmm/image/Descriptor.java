package io.jvmm.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** An OCI content descriptor: media type, digest and size (and a platform, in indexes). */
public record Descriptor(String mediaType, Digest digest, long size, Platform platform) {
    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, null);
    }

    static Descriptor fromJson(JsonNode n, String where) {
        if (n == null || !n.isObject()) throw Manifest.bad(where + " is not a descriptor object");
        JsonNode d = n.get("digest");
        JsonNode size = n.get("size");
        if (d == null || !d.isTextual()) throw Manifest.bad(where + " has no digest");
        if (size == null || !size.canConvertToLong() || size.asLong() < 0)
            throw Manifest.bad(where + " has no valid size");
        JsonNode mt = n.get("mediaType");
        return new Descriptor(
                mt == null ? null : mt.asText(),
                Digest.parse(d.asText()),
                size.asLong(),
                Platform.fromJson(n.get("platform")));
    }

    ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("mediaType", mediaType);
        o.put("digest", digest.toString());
        o.put("size", size);
        return o;
    }
}
