package io.jvmm.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One entry of the store's image index ({@code images/<name>.json}).
 *
 * @param name              canonical reference ({@link ImageReference#toString()})
 * @param manifestDigest    digest of the image manifest (the platform-specific one)
 * @param manifestMediaType its media type
 * @param indexDigest       digest of the index / manifest list it was chosen from, or null
 * @param config            the config descriptor ({@code config.digest()} is the image id)
 * @param layers            layer descriptors, bottom first (media type says the compression)
 * @param created           the config's {@code created} timestamp (may be null)
 * @param stored            when this entry was written
 * @param size              manifest + config + layers, in bytes as stored (compressed layers)
 */
public record ImageRecord(
        String name,
        Digest manifestDigest,
        String manifestMediaType,
        Digest indexDigest,
        Descriptor config,
        List<Descriptor> layers,
        String created,
        Instant stored,
        long size) {

    public ImageRecord {
        layers = List.copyOf(layers);
    }

    /** The image id, as docker shows it: the config digest. */
    public Digest id() {
        return config.digest();
    }

    public ImageReference reference() {
        return ImageReference.parse(name);
    }

    /** Every blob this image keeps alive in the store. */
    public List<Digest> blobs() {
        List<Digest> out = new ArrayList<>();
        out.add(manifestDigest);
        if (indexDigest != null) out.add(indexDigest);
        out.add(config.digest());
        for (Descriptor l : layers) out.add(l.digest());
        return out;
    }

    ObjectNode toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("name", name);
        o.put("manifestDigest", manifestDigest.toString());
        o.put("manifestMediaType", manifestMediaType);
        if (indexDigest != null) o.put("indexDigest", indexDigest.toString());
        o.set("config", config.toJson());
        ArrayNode ls = o.putArray("layers");
        for (Descriptor l : layers) ls.add(l.toJson());
        if (created != null) o.put("created", created);
        o.put("stored", stored.toString());
        o.put("size", size);
        return o;
    }

    static ImageRecord fromJson(JsonNode o, String where) {
        List<Descriptor> layers = new ArrayList<>();
        int i = 0;
        for (JsonNode l : o.path("layers")) layers.add(Descriptor.fromJson(l, where + ": layers[" + i++ + "]"));
        String idx = o.path("indexDigest").asText(null);
        return new ImageRecord(
                o.path("name").asText(),
                Digest.parse(o.path("manifestDigest").asText()),
                o.path("manifestMediaType").asText(null),
                idx == null ? null : Digest.parse(idx),
                Descriptor.fromJson(o.get("config"), where + ": config"),
                layers,
                o.path("created").asText(null),
                Instant.parse(o.path("stored").asText()),
                o.path("size").asLong());
    }
}
