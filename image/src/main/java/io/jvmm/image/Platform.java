package io.jvmm.image;

import com.fasterxml.jackson.databind.JsonNode;

/** An OCI platform; jvmm runs {@code linux/amd64} images. */
public record Platform(String os, String architecture, String variant) {
    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);

    static Platform fromJson(JsonNode n) {
        if (n == null || n.isNull() || n.isMissingNode()) return null;
        return new Platform(text(n, "os"), text(n, "architecture"), text(n, "variant"));
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }

    /** True when {@code other} (from an index) can run here: same os and architecture; variant only if we want one. */
    public boolean accepts(Platform other) {
        if (other == null) return false;
        if (!os.equals(other.os) || !architecture.equals(other.architecture)) return false;
        return variant == null || variant.equals(other.variant);
    }

    @Override
    public String toString() {
        return (os == null ? "?" : os) + "/" + (architecture == null ? "?" : architecture)
                + (variant == null ? "" : "/" + variant);
    }
}
