package io.jvmm.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every value the reader refuses, each with its one-line error naming the field. */
class SpecValidatorTest {
    @TempDir
    Path tmp;

    private static ObjectNode process(ObjectNode c) {
        return (ObjectNode) c.get("process");
    }

    private static ObjectNode linux(ObjectNode c) {
        return c.has("linux") ? (ObjectNode) c.get("linux") : c.putObject("linux");
    }

    private static ObjectNode mount(ObjectNode c) {
        return c.putArray("mounts").addObject();
    }

    private static ObjectNode hook(ObjectNode c, String kind) {
        return c.putObject("hooks").putArray(kind).addObject();
    }

    private static ObjectNode resources(ObjectNode c, String kind) {
        return linux(c).putObject("resources").putObject(kind);
    }

    private static ObjectNode rlimit(ObjectNode c, String type, long soft, long hard) {
        ObjectNode r = process(c).withArray("rlimits").addObject();
        return r.put("type", type).put("soft", soft).put("hard", hard);
    }

    private static Arguments bad(String message, Consumer<ObjectNode> change) {
        return Arguments.of(message, change);
    }

    static Stream<Arguments> badValues() {
        return Stream.of(
                bad("config.json: ociVersion is missing", c -> c.remove("ociVersion")),
                bad("config.json: ociVersion is missing", c -> c.put("ociVersion", "")),
                bad(
                        "config.json: ociVersion \"2.0.0\" is not supported: jvmm-runc reads version 1.x",
                        c -> c.put("ociVersion", "2.0.0")),
                bad(
                        "config.json: ociVersion \"0.6.0\" is not supported: jvmm-runc reads version 1.x",
                        c -> c.put("ociVersion", "0.6.0")),
                bad(
                        "config.json: ociVersion \"one\" is not a version (MAJOR.MINOR.PATCH)",
                        c -> c.put("ociVersion", "one")),
                bad("config.json: process is missing", c -> c.remove("process")),
                bad(
                        "config.json: process.args must not be empty",
                        c -> process(c).remove("args")),
                bad(
                        "config.json: process.args must not be empty",
                        c -> process(c).putArray("args")),
                bad(
                        "config.json: process.args[0] must not be empty",
                        c -> process(c).putArray("args").add("")),
                bad(
                        "config.json: process.args[1] must not be null",
                        c -> process(c).putArray("args").add("sh").addNull()),
                bad("config.json: process.cwd is missing", c -> process(c).remove("cwd")),
                bad(
                        "config.json: process.cwd \"x\" must be an absolute path",
                        c -> process(c).put("cwd", "x")),
                bad(
                        "config.json: process.env[0] \"FOO\" must be KEY=VALUE",
                        c -> process(c).putArray("env").add("FOO")),
                bad(
                        "config.json: process.env[1] \"=x\" must be KEY=VALUE",
                        c -> process(c).putArray("env").add("A=1").add("=x")),
                bad(
                        "config.json: process.user.uid must be 0..4294967295, got -1",
                        c -> process(c).putObject("user").put("uid", -1)),
                bad(
                        "config.json: process.user.gid must be 0..4294967295, got 4294967296",
                        c -> process(c).putObject("user").put("gid", 4294967296L)),
                bad(
                        "config.json: process.user.umask must be 0..0777 (0..511), got 512",
                        c -> process(c).putObject("user").put("umask", 512)),
                bad(
                        "config.json: process.user.additionalGids[1] must be 0..4294967295, got -5",
                        c -> process(c)
                                .putObject("user")
                                .putArray("additionalGids")
                                .add(1)
                                .add(-5)),
                bad(
                        "config.json: process.capabilities.bounding: \"chown\" is not a capability name (CAP_...)",
                        c -> process(c)
                                .putObject("capabilities")
                                .putArray("bounding")
                                .add("chown")),
                bad(
                        "config.json: process.rlimits[0].type \"RLIMIT_FOO\" is not an rlimit (RLIMIT_NOFILE, ...)",
                        c -> rlimit(c, "RLIMIT_FOO", 1, 1)),
                bad("config.json: process.rlimits has RLIMIT_NOFILE twice", c -> {
                    rlimit(c, "RLIMIT_NOFILE", 1, 1);
                    rlimit(c, "RLIMIT_NOFILE", 2, 2);
                }),
                bad(
                        "config.json: process.rlimits[0]: the soft limit 2048 exceeds the hard limit 1024",
                        c -> rlimit(c, "RLIMIT_NOFILE", 2048, 1024)),
                bad(
                        "config.json: process.rlimits[0].soft must be 0..18446744073709551615, got -1",
                        c -> rlimit(c, "RLIMIT_NOFILE", -1, 1024)),
                bad(
                        "config.json: process.rlimits[0].hard is missing",
                        c -> rlimit(c, "RLIMIT_NOFILE", 1, 1).remove("hard")),
                bad("config.json: root is missing", c -> c.remove("root")),
                bad(
                        "config.json: root.path is missing",
                        c -> c.putObject("root").put("readonly", true)),
                bad(
                        "config.json: hostname \"" + "h".repeat(65) + "\" must be at most 64 bytes, without NUL",
                        c -> c.put("hostname", "h".repeat(65))),
                bad(
                        "config.json: hostname \"" + "\u00e9".repeat(33) + "\" must be at most 64 bytes, without NUL",
                        c -> c.put("hostname", "\u00e9".repeat(33))),
                bad("config.json: mounts[0].destination is missing", c -> mount(c).put("type", "tmpfs")),
                bad(
                        "config.json: mounts[0].destination \"data\" must be an absolute path",
                        c -> mount(c).put("destination", "data").put("type", "tmpfs")),
                bad(
                        "config.json: mounts[0] must not be null",
                        c -> c.putArray("mounts").addNull()),
                bad(
                        "config.json: mounts[0].source is missing for the bind mount at /data",
                        c -> mount(c).put("destination", "/data").put("type", "bind")),
                bad(
                        "config.json: mounts[0] (/data) has no type and is not a bind mount",
                        c -> mount(c).put("destination", "/data").put("source", "/srv")),
                bad(
                        "config.json: mounts[0].type \"nfs\" is not supported: jvmm-runc mounts bind, tmpfs, proc, sysfs,"
                                + " devpts, mqueue, cgroup, cgroup2",
                        c -> mount(c).put("destination", "/data").put("type", "nfs")),
                bad("config.json: hooks.prestart[0].path is missing", c -> hook(c, "prestart")),
                bad(
                        "config.json: hooks.poststart[0].path \"hook.sh\" must be an absolute path",
                        c -> hook(c, "poststart").put("path", "hook.sh")),
                bad(
                        "config.json: hooks.poststop[0].timeout must be greater than zero, got 0",
                        c -> hook(c, "poststop").put("path", "/bin/true").put("timeout", 0)),
                bad(
                        "config.json: hooks.createRuntime[0].env[0] \"X\" must be KEY=VALUE",
                        c -> hook(c, "createRuntime")
                                .put("path", "/bin/true")
                                .putArray("env")
                                .add("X")),
                bad(
                        "config.json: linux.namespaces[0].type \"net\" is not a namespace type (cgroup, ipc, mount,"
                                + " network, pid, time, user, uts)",
                        c -> linux(c).putArray("namespaces").addObject().put("type", "net")),
                bad(
                        "config.json: linux.namespaces[0].type \"null\" is not a namespace type (cgroup, ipc, mount,"
                                + " network, pid, time, user, uts)",
                        c -> linux(c).putArray("namespaces").addObject()),
                bad("config.json: linux.namespaces has \"pid\" twice", c -> {
                    ArrayNode ns = linux(c).putArray("namespaces");
                    ns.addObject().put("type", "pid");
                    ns.addObject().put("type", "pid");
                }),
                bad(
                        "config.json: linux.namespaces[0].path \"netns\" must be an absolute path",
                        c -> linux(c).putArray("namespaces")
                                .addObject()
                                .put("type", "network")
                                .put("path", "netns")),
                bad(
                        "config.json: linux.uidMappings[0].size must be 1..4294967295, got 0",
                        c -> linux(c).putArray("uidMappings")
                                .addObject()
                                .put("containerID", 0)
                                .put("hostID", 1000)),
                bad(
                        "config.json: linux.uidMappings and gidMappings need a user namespace in linux.namespaces",
                        c -> linux(c).putArray("gidMappings")
                                .addObject()
                                .put("hostID", 1000)
                                .put("size", 1)),
                bad("config.json: a new user namespace needs linux.uidMappings and linux.gidMappings", c -> {
                    linux(c).putArray("namespaces").addObject().put("type", "user");
                    linux(c).putArray("uidMappings")
                            .addObject()
                            .put("hostID", 1000)
                            .put("size", 1);
                }),
                bad(
                        "config.json: linux.maskedPaths[1] \"proc/kcore\" must be an absolute path",
                        c -> linux(c).putArray("maskedPaths").add("/proc/keys").add("proc/kcore")),
                bad(
                        "config.json: linux.readonlyPaths[0] must not be null",
                        c -> linux(c).putArray("readonlyPaths").addNull()),
                bad(
                        "config.json: annotations: a key must not be empty",
                        c -> c.putObject("annotations").put("", "x")),
                bad(
                        "config.json: linux.resources.memory.limit must be positive, or -1 for unlimited, got -2",
                        c -> resources(c, "memory").put("limit", -2)),
                bad(
                        "config.json: linux.resources.cpu.quota must be 1000..4294967295 (us), got 999",
                        c -> resources(c, "cpu").put("quota", 999)),
                bad(
                        "config.json: linux.resources.cpu.quota must be positive, or -1 for unlimited, got -7",
                        c -> resources(c, "cpu").put("quota", -7)),
                bad(
                        "config.json: linux.resources.cpu.period must be 1000..1000000 (us), got 2000000",
                        c -> resources(c, "cpu").put("period", 2_000_000)),
                bad(
                        "config.json: linux.resources.cpu.cpus \"0-3,a\" is not a CPU list (like 0-3,5)",
                        c -> resources(c, "cpu").put("cpus", "0-3,a")),
                bad(
                        "config.json: linux.resources.pids.limit must be at most 4294967295, got 4294967296",
                        c -> resources(c, "pids").put("limit", 4294967296L)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badValues")
    void aBadValueIsNamedInOneLine(String message, Consumer<ObjectNode> change) {
        ObjectNode c = TestBundles.minimal();
        change.accept(c);
        Path dir = TestBundles.write(tmp.resolve("b"), c);
        assertEquals(
                message,
                assertThrows(BundleException.class, () -> BundleReader.read(dir))
                        .getMessage());
    }

    @Test
    void theRootMustBeAnExistingDirectory() throws Exception {
        ObjectNode c = TestBundles.minimal();
        ((ObjectNode) c.get("root")).put("path", "missing");
        Path dir = TestBundles.write(tmp.resolve("b"), c);
        assertEquals(
                "config.json: root.path \"missing\": " + dir.resolve("missing") + " does not exist",
                assertThrows(BundleException.class, () -> BundleReader.read(dir))
                        .getMessage());
        Files.writeString(dir.resolve("file"), "x");
        ((ObjectNode) c.get("root")).put("path", "file");
        TestBundles.write(dir, c);
        assertEquals(
                "config.json: root.path \"file\": " + dir.resolve("file") + " is not a directory",
                assertThrows(BundleException.class, () -> BundleReader.read(dir))
                        .getMessage());
    }

    @Test
    void unlimitedValuesAndAVersionWithASuffixPass() {
        ObjectNode c = TestBundles.minimal();
        c.put("ociVersion", "1.1.0-rc.1+dev");
        resources(c, "memory").put("limit", -1);
        ((ObjectNode) c.get("linux").get("resources"))
                .putObject("cpu")
                .put("quota", -1)
                .put("period", 0);
        ((ObjectNode) c.get("linux").get("resources")).putObject("pids").put("limit", 0);
        linux(c).putArray("namespaces").addObject().put("type", "time");
        BundleReader.read(TestBundles.write(tmp.resolve("b"), c));
        // joining a user namespace needs no mappings; creating one has them
        linux(c).withArray("namespaces").addObject().put("type", "user").put("path", "/proc/1/ns/user");
        BundleReader.read(TestBundles.write(tmp.resolve("b"), c));
        ((ObjectNode) linux(c).withArray("namespaces").get(1)).remove("path");
        linux(c).putArray("uidMappings").addObject().put("hostID", 100000).put("size", 65536);
        linux(c).putArray("gidMappings").addObject().put("hostID", 100000).put("size", 65536);
        BundleReader.read(TestBundles.write(tmp.resolve("b"), c));
    }
}
