package io.jvmm.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parts of an image configuration blob ({@code application/vnd.oci.image.config.v1+json} or Docker's)
 * that running it needs. Lists are empty rather than null; {@code entrypoint}/{@code cmd} are null when the
 * image does not set them (docker tells "unset" from "empty").
 */
public record ImageConfig(
        List<String> entrypoint,
        List<String> cmd,
        List<String> env,
        String workingDir,
        String user,
        List<String> exposedPorts,
        Map<String, String> labels,
        String stopSignal,
        String architecture,
        String os,
        String variant,
        String created,
        List<Digest> diffIds) {

    public static ImageConfig parse(byte[] json) {
        JsonNode root = Json.parse(json, "image config");
        JsonNode c = root.path("config");
        List<Digest> diffIds = new ArrayList<>();
        for (JsonNode d : root.path("rootfs").path("diff_ids")) diffIds.add(Digest.parse(d.asText()));
        Map<String, String> labels = new LinkedHashMap<>();
        c.path("Labels")
                .fields()
                .forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        List<String> ports = new ArrayList<>();
        c.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
        return new ImageConfig(
                strings(c.get("Entrypoint")),
                strings(c.get("Cmd")),
                orEmpty(strings(c.get("Env"))),
                text(c, "WorkingDir"),
                text(c, "User"),
                List.copyOf(ports),
                Map.copyOf(labels),
                text(c, "StopSignal"),
                text(root, "architecture"),
                text(root, "os"),
                text(root, "variant"),
                text(root, "created"),
                List.copyOf(diffIds));
    }

    private static List<String> strings(JsonNode n) {
        if (n == null || n.isNull()) return null;
        List<String> out = new ArrayList<>();
        if (n.isArray()) n.forEach(x -> out.add(x.asText()));
        else out.add(n.asText());
        return List.copyOf(out);
    }

    private static List<String> orEmpty(List<String> l) {
        return l == null ? List.of() : l;
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }
}
