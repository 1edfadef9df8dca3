package io.jvmm.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpecTemplateTest {
    @TempDir
    Path tmp;

    @Test
    void theDefaultSpecIsABundleJvmmReads() {
        Bundle b = BundleReader.read(TestBundles.writeText(tmp.resolve("b"), SpecTemplate.json()));
        OciSpec s = b.spec();
        assertEquals(SpecTemplate.OCI_VERSION, s.ociVersion());
        assertEquals(List.of("sh"), s.process().args());
        assertTrue(s.process().terminal());
        assertTrue(s.process().noNewPrivileges());
        assertTrue(s.root().readonly());
        assertEquals("runc", s.hostname());
        assertEquals(7, s.mounts().size());
        assertEquals(
                List.of("pid", "network", "ipc", "uts", "mount", "cgroup"),
                s.linux().namespaces().stream().map(OciLinux.Namespace::type).toList());
        BundleTranslation t = BundleTranslator.translate(b, "spec");
        assertEquals(7, t.guestMounts().size());
        assertTrue(t.container().readOnlyRoot());
    }

    @Test
    void itIsWrittenAsRuncWritesIt() throws Exception {
        String text = SpecTemplate.json();
        assertTrue(text.startsWith("{\n\t\"ociVersion\": \"1.2.0\",\n\t\"process\": {\n\t\t\"terminal\": true,"), text);
        assertTrue(text.endsWith("}\n"));
        JsonNode tree = TestBundles.JSON.readTree(text);
        assertFalse(tree.get("linux").has("resources"), "no device cgroup rule: the guest's devices are its own");
        assertEquals("rootfs", tree.get("root").get("path").asText());
    }
}
