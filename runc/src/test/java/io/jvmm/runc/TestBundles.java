package io.jvmm.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** config.json files for the tests: a minimal valid one to mutate, and bundles on disk with a rootfs. */
final class TestBundles {
    static final ObjectMapper JSON = new ObjectMapper();

    private TestBundles() {}

    /** The least config.json jvmm-runc accepts. */
    static ObjectNode minimal() {
        ObjectNode c = JSON.createObjectNode();
        c.put("ociVersion", "1.0.2");
        ObjectNode p = c.putObject("process");
        p.putArray("args").add("/bin/true");
        p.put("cwd", "/");
        c.putObject("root").put("path", "rootfs");
        return c;
    }

    /** A bundle directory {@code dir} with an empty {@code rootfs} and {@code config} as its config.json. */
    static Path write(Path dir, JsonNode config) {
        return writeText(dir, config.toPrettyString());
    }

    static Path writeText(Path dir, String config) {
        try {
            Files.createDirectories(dir.resolve("rootfs"));
            Files.writeString(dir.resolve("config.json"), config);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A test resource's text. */
    static String resource(String name) {
        try (InputStream in = TestBundles.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("no test resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
