package io.jvmm.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeaturesDocumentTest {
    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void theDocumentSaysWhatTheReaderAccepts() throws Exception {
        JsonNode f = TestBundles.JSON.readTree(FeaturesDocument.json("0.1.0-test"));
        assertEquals("1.0.0", f.get("ociVersionMin").asText());
        assertEquals("1.2.0", f.get("ociVersionMax").asText());
        assertEquals(
                List.of("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"),
                strings(f.get("hooks")));
        assertEquals(OciHooks.NONE.byName().keySet().stream().toList(), strings(f.get("hooks")));
        List<String> options = strings(f.get("mountOptions"));
        assertTrue(options.containsAll(List.of("bind", "rbind", "ro", "rw", "nosuid")), options::toString);
        JsonNode linux = f.get("linux");
        assertEquals(OciLinux.NAMESPACE_TYPES, strings(linux.get("namespaces")));
        List<String> caps = strings(linux.get("capabilities"));
        assertEquals(41, caps.size());
        assertTrue(caps.stream().allMatch(c -> c.matches("CAP_[A-Z_]+")));
        assertTrue(linux.get("cgroup").get("v2").asBoolean());
        assertFalse(linux.get("seccomp").get("enabled").asBoolean());
        assertEquals("0.1.0-test", f.get("annotations").get("io.jvmm.version").asText());
        f.get("annotations").fieldNames().forEachRemaining(k -> assertFalse(k.startsWith("org.opencontainers.runc.")));
        assertEquals(List.of("io.jvmm."), strings(f.get("potentiallyUnsafeConfigAnnotations")));
    }

    @Test
    void theSupportedVersionsAreReadable() throws Exception {
        for (String v : List.of(FeaturesDocument.OCI_VERSION_MIN, FeaturesDocument.OCI_VERSION_MAX)) {
            var c = TestBundles.minimal().put("ociVersion", v);
            assertEquals(
                    v, BundleReader.parse(TestBundles.JSON.writeValueAsBytes(c)).ociVersion());
        }
    }
}
