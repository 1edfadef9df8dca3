package io.jvmm.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleReaderTest {
    @TempDir
    Path tmp;

    private Bundle read(ObjectNode config) {
        return BundleReader.read(TestBundles.write(tmp.resolve("b"), config));
    }

    private String error(ObjectNode config) {
        return assertThrows(BundleException.class, () -> read(config)).getMessage();
    }

    private String errorText(String config) {
        Path dir = TestBundles.writeText(tmp.resolve("b"), config);
        return assertThrows(BundleException.class, () -> BundleReader.read(dir)).getMessage();
    }

    @Test
    void aMinimalBundleReadsWithItsDefaults() throws Exception {
        Bundle b = read(TestBundles.minimal());
        assertEquals(tmp.resolve("b").toRealPath(), b.dir().toRealPath());
        assertEquals(tmp.resolve("b/rootfs").toRealPath(), b.rootfs());
        OciSpec s = b.spec();
        assertEquals("1.0.2", s.ociVersion());
        assertEquals(List.of("/bin/true"), s.process().args());
        assertEquals(List.of(), s.process().env());
        assertFalse(s.process().terminal());
        assertEquals(0, s.process().user().uid());
        assertNull(s.process().user().umask());
        assertNull(s.process().capabilities());
        assertFalse(s.root().readonly());
        assertNull(s.hostname());
        assertEquals(List.of(), s.mounts());
        assertNull(s.hooks());
        assertEquals(Map.of(), s.annotations());
        assertNull(s.linux());
    }

    @Test
    void aPodmanConfigReadsWhole() throws Exception {
        Path rootfs = Files.createDirectories(tmp.resolve("storage/overlay/abc/merged"));
        String text = TestBundles.resource("podman-4.3-config.json")
                .replace("@ROOTFS@", rootfs.toString())
                .replace("@USERDATA@", tmp.resolve("userdata").toString())
                .replace("@VOLUME@", tmp.resolve("www").toString());
        Bundle b = BundleReader.read(TestBundles.writeText(tmp.resolve("b"), text));
        assertEquals(rootfs.toRealPath(), b.rootfs());
        OciSpec s = b.spec();
        assertEquals("1.0.2-dev", s.ociVersion());
        OciProcess p = s.process();
        assertEquals(List.of("busybox", "httpd", "-f", "-p", "80"), p.args());
        assertEquals("/www", p.cwd());
        assertEquals(18L, p.user().umask());
        assertEquals(List.of(0L, 10L), p.user().additionalGids());
        assertEquals(11, p.capabilities().bounding().size());
        assertEquals(List.of(), p.capabilities().ambient());
        assertEquals(
                new OciProcess.Rlimit("RLIMIT_NOFILE", BigInteger.valueOf(1048576), BigInteger.valueOf(1048576)),
                p.rlimits().getFirst());
        assertEquals("4a1c9e2f7b3d", s.hostname());
        assertEquals(12, s.mounts().size());
        OciMount www = s.mounts().get(10);
        assertTrue(www.isBind());
        assertTrue(www.readOnly());
        assertFalse(s.mounts().get(0).isBind());
        assertEquals("libpod", s.annotations().get("io.container.manager"));
        OciLinux l = s.linux();
        assertEquals(268435456L, l.resources().memory().limit());
        assertEquals(
                new OciLinux.Cpu(null, 150000L, 100000L, null), l.resources().cpu());
        assertEquals(2048L, l.resources().pids().limit());
        assertEquals(6, l.namespaces().size());
        assertEquals(
                new OciLinux.Namespace("network", "/run/netns/netns-8d2f0c51-3f6a-4f3e-5b0d-6a1c2e9f7b3d"),
                l.namespaces().get(1));
        assertEquals(Map.of("net.ipv4.ping_group_range", "0 0"), l.sysctl());
        assertEquals("/sys/dev/block", l.maskedPaths().getLast());
        assertEquals(6, l.readonlyPaths().size());
    }

    @Test
    void unknownFieldsAreIgnoredAtEveryLevel() {
        ObjectNode c = TestBundles.minimal();
        c.put("someFutureField", 1);
        c.putObject("vm").putObject("hypervisor").put("path", "/x");
        ((ObjectNode) c.get("process"))
                .put("ioPriority", "x")
                .putObject("scheduler")
                .put("policy", "SCHED_OTHER");
        ((ObjectNode) c.get("root")).put("future", true);
        c.putObject("linux").putArray("devices").addObject().put("path", "/dev/fuse");
        ((ObjectNode) c.get("linux"))
                .putObject("resources")
                .putObject("memory")
                .put("limit", 1 << 30)
                .put("new", 2);
        ObjectNode hook = c.putObject("hooks").putArray("poststop").addObject();
        hook.put("path", "/bin/hook").put("unknown", "x");
        Bundle b = read(c);
        assertEquals(1L << 30, b.spec().linux().resources().memory().limit());
        assertEquals("/bin/hook", b.spec().hooks().poststop().getFirst().path());
    }

    @Test
    void hooksAndIdMappingsRead() {
        ObjectNode c = TestBundles.minimal();
        ObjectNode h = c.putObject("hooks").putArray("createRuntime").addObject();
        h.put("path", "/usr/bin/netns-hook").put("timeout", 5);
        h.putArray("args").add("netns-hook").add("--up");
        h.putArray("env").add("A=b");
        ObjectNode linux = c.putObject("linux");
        linux.putArray("namespaces").addObject().put("type", "user");
        ObjectNode m = linux.putArray("uidMappings").addObject();
        m.put("containerID", 0).put("hostID", 100000).put("size", 65536);
        linux.putArray("gidMappings").add(m.deepCopy());
        Bundle b = read(c);
        OciHooks.Hook hook = b.spec().hooks().createRuntime().getFirst();
        assertEquals(new OciHooks.Hook("/usr/bin/netns-hook", List.of("netns-hook", "--up"), List.of("A=b"), 5), hook);
        assertEquals(
                new OciLinux.IdMapping(0, 100000, 65536),
                b.spec().linux().uidMappings().getFirst());
    }

    @Test
    void rlimitsUpToUnsignedInfinityRead() {
        ObjectNode c = TestBundles.minimal();
        ObjectNode r = ((ObjectNode) c.get("process")).putArray("rlimits").addObject();
        r.put("type", "RLIMIT_CORE").put("soft", 0).put("hard", new BigInteger("18446744073709551615"));
        assertEquals(
                new BigInteger("18446744073709551615"),
                read(c).spec().process().rlimits().getFirst().hard());
    }

    @Test
    void aRelativeOrAbsoluteRootPathResolves() throws Exception {
        Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere/root"));
        ObjectNode c = TestBundles.minimal();
        ((ObjectNode) c.get("root")).put("path", elsewhere.toString());
        assertEquals(elsewhere.toRealPath(), read(c).rootfs());
        ((ObjectNode) c.get("root")).put("path", "../elsewhere/root");
        assertEquals(elsewhere.toRealPath(), read(c).rootfs());
    }

    @Test
    void aMissingOrEmptyConfigIsNamed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        assertEquals(
                "JSON specification file config.json not found in bundle " + dir,
                assertThrows(BundleException.class, () -> BundleReader.read(dir))
                        .getMessage());
        assertEquals(
                "bundle " + tmp.resolve("nope") + " is not a directory",
                assertThrows(BundleException.class, () -> BundleReader.read(tmp.resolve("nope")))
                        .getMessage());
        assertEquals("config.json: is empty", errorText("  \n"));
        assertEquals("config.json: must be a JSON object, not null", errorText("null"));
        assertEquals("config.json: must be a JSON object (line 1, column 1)", errorText("[1, 2]"));
    }

    @Test
    void invalidJsonGivesItsLineAndColumn() {
        String msg = errorText("{\n  \"ociVersion\": \"1.0.2\",\n  \"process\": {,\n}");
        assertTrue(msg.startsWith("config.json: invalid JSON (line 3, column 15): Unexpected character (','"), msg);
        assertFalse(msg.contains("\n"), msg);
        String trailing = errorText("{\"ociVersion\": \"1.0.2\"} {}");
        assertTrue(trailing.startsWith("config.json: "), trailing);
        assertFalse(trailing.contains("\n"), trailing);
    }

    @Test
    void aValueOfTheWrongTypeNamesTheField() {
        assertEquals(
                "config.json: process.args must be an array (line 1, column 34)",
                errorText("{\"process\": {\"cwd\": \"/\", \"args\": \"sh\"}}"));
        assertEquals(
                "config.json: process.terminal must be a boolean (line 1, column 26)",
                errorText("{\"process\": {\"terminal\": \"true\"}}"));
        assertEquals(
                "config.json: process.user.uid must be an integer (line 1, column 30)",
                errorText("{\"process\": {\"user\": {\"uid\": \"0\"}}}"));
        assertEquals(
                "config.json: process.user.uid must be an integer (line 1, column 30)",
                errorText("{\"process\": {\"user\": {\"uid\": 1.5}}}"));
        assertEquals(
                "config.json: process.args[1] must be a string (line 1, column 29)",
                errorText("{\"process\": {\"args\": [\"sh\", 7]}}"));
        assertEquals(
                "config.json: mounts[0] must be an object (line 1, column 13)", errorText("{\"mounts\": [\"/proc\"]}"));
        assertEquals(
                "config.json: annotations.a must be a string (line 1, column 23)",
                errorText("{\"annotations\": {\"a\": 1}}"));
    }
}
