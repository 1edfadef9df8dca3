package io.jvmm.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** An image as the JSON document {@code jvmm image inspect} prints, docker's field names where docker has them. */
public final class ImageInspection {
    /** {@code jvmm image inspect}: a JSON document about the image {@code ref} names in {@code store}. */
    public static String json(ContentStore store, String ref) {
        ImageRecord r = store.get(ref);
        ImageConfig c = store.config(r);
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("Name", r.name());
        o.put("Id", r.id().toString());
        o.put("Digest", r.manifestDigest().toString());
        if (r.indexDigest() != null) o.put("IndexDigest", r.indexDigest().toString());
        o.put("MediaType", r.manifestMediaType());
        o.put("Created", c.created());
        o.put("Stored", r.stored().toString());
        o.put("Os", c.os());
        o.put("Architecture", c.architecture());
        if (c.variant() != null) o.put("Variant", c.variant());
        ObjectNode cfg = o.putObject("Config");
        putList(cfg, "Entrypoint", c.entrypoint());
        putList(cfg, "Cmd", c.cmd());
        putList(cfg, "Env", c.env());
        cfg.put("WorkingDir", c.workingDir() == null ? "" : c.workingDir());
        cfg.put("User", c.user() == null ? "" : c.user());
        putList(cfg, "ExposedPorts", c.exposedPorts());
        ObjectNode labels = cfg.putObject("Labels");
        c.labels().forEach(labels::put);
        if (c.stopSignal() != null) cfg.put("StopSignal", c.stopSignal());
        ArrayNode ls = o.putArray("Layers");
        for (Descriptor l : r.layers()) ls.add(l.toJson());
        o.put("Size", r.size());
        return Json.pretty(o);
    }

    private static void putList(ObjectNode o, String field, List<String> l) {
        if (l == null) {
            o.putNull(field);
            return;
        }
        ArrayNode a = o.putArray(field);
        l.forEach(a::add);
    }

    private ImageInspection() {}
}
