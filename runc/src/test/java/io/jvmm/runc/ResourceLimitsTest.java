package io.jvmm.runc;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.agent.ContainerLimits;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** runc update's merge: what the update gives over the current limits, the rest kept; its one-line errors. */
class ResourceLimitsTest {
    private static final ContainerLimits CURRENT = new ContainerLimits(256 << 20, 50_000, 100_000, 100);

    private static ContainerLimits merge(String json) {
        return ResourceLimits.merged(CURRENT, BundleReader.parseResources(json.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void absentFieldsKeepTheirValuesAndMinusOneLiftsALimit() {
        assertEquals(CURRENT, merge("{}"));
        assertEquals(new ContainerLimits(128 << 20, 50_000, 100_000, 100), merge("{\"memory\":{\"limit\":134217728}}"));
        assertEquals(new ContainerLimits(256 << 20, 0, 0, 100), merge("{\"cpu\":{\"quota\":-1}}"));
        assertEquals(new ContainerLimits(256 << 20, 50_000, 100_000, 0), merge("{\"pids\":{\"limit\":-1}}"));
        assertEquals(
                new ContainerLimits(256 << 20, 20_000, 50_000, 100),
                merge("{\"cpu\":{\"quota\":20000,\"period\":50000,\"shares\":1024},\"blockIO\":{\"weight\":10}}"));
        assertEquals(
                new ContainerLimits(0, 30_000, ResourceLimits.DEFAULT_PERIOD_US, 0),
                ResourceLimits.merged(
                        ContainerLimits.NONE,
                        BundleReader.parseResources("{\"cpu\":{\"quota\":30000}}".getBytes(StandardCharsets.UTF_8))),
                "a quota without a period gets the kernel's");
    }

    @Test
    void badResourcesAreOneLineErrors() {
        assertEquals(
                "resources: memory.limit has the wrong type (line 1, column 20)",
                error("{\"memory\":{\"limit\":\"x\"}}"));
        assertEquals("resources.cpu.quota must be 1000..4294967295 (us), got 5", error("{\"cpu\":{\"quota\":5}}"));
        assertEquals(
                "resources.pids.limit must be positive, or -1 for unlimited, got -7",
                error("{\"pids\":{\"limit\":-7}}"));
        assertEquals("resources must be a JSON object, not null", error("null"));
        assertTrue(error("{").startsWith("resources: invalid JSON"), error("{"));
    }

    private static String error(String json) {
        return assertThrows(BundleException.class, () -> merge(json)).getMessage();
    }
}
