package io.jvmm.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jvmm.agent.AgentConfig;
import io.jvmm.core.backend.net.PortForward;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad settings are one-line errors at build(), before any VM exists; good ones become the agent's configuration. */
class SandboxConfigTest {
    @TempDir
    Path dir;

    Path kernel;
    Path rootfs;
    Path vol;

    @BeforeEach
    void files() throws Exception {
        kernel = Files.writeString(dir.resolve("vmlinux"), "k");
        rootfs = Files.writeString(dir.resolve("root.img"), "r");
        vol = Files.writeString(dir.resolve("vol.img"), "v");
    }

    private SandboxConfig.Builder ok() {
        return SandboxConfig.builder().kernel(kernel).rootfs(rootfs);
    }

    private String error(SandboxConfig.Builder b) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
        return e.getMessage();
    }

    @Test
    void badSettingsAreNamed() {
        assertTrue(error(SandboxConfig.builder().rootfs(rootfs)).contains("no kernel"));
        assertTrue(error(SandboxConfig.builder().kernel(dir.resolve("nope")).rootfs(rootfs))
                .contains("is not a file"));
        assertTrue(error(SandboxConfig.builder().kernel(kernel)).contains("no root image or root directory"));
        assertTrue(error(ok().rootfs(dir.resolve("missing.img"))).contains("does not exist"));
        assertTrue(error(ok().rootfsType("btrfs")).contains("unknown root file system type \"btrfs\""));
        assertTrue(error(ok().volume(dir.resolve("gone.img"), "/data", false)).contains("gone.img does not exist"));
        assertTrue(error(ok().volume(vol, "/data", false).volume(vol, "/data", true))
                .contains("same guest path"));
        assertTrue(error(ok().cpus(0)).contains("cpus must be at least 1"));
        assertTrue(error(ok().hostname("bad_name!")).contains("hostname"));
        assertThrows(IllegalArgumentException.class, () -> ok().volume(vol, "relative", false));
        assertThrows(IllegalArgumentException.class, () -> ok().volume(vol, "/a/../b", false));
    }

    @Test
    void badBindMountsAreNamedInOneLine() {
        assertEquals(
                "sandbox: bind mount source " + dir.resolve("nope") + " does not exist",
                error(ok().bind(dir.resolve("nope"), "/src", false)));
        assertEquals("sandbox: bind mount source " + vol + " is not a directory", error(ok().bind(vol, "/src", false)));
        assertEquals(
                "sandbox: guest path /data is given twice",
                error(ok().volume(vol, "/data", false).bind(dir, "/data", true)));
        assertEquals(
                "sandbox: guest path /src is given twice",
                error(ok().bind(dir, "/src", false).bind(dir, "/src", true)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ok().bind(dir, "src", false));
        assertEquals("bind mount path must be an absolute path below /, got \"src\"", e.getMessage());
    }

    @Test
    void bindMountsAreSharesTheAgentMountsInOrder() {
        SandboxConfig c = ok().volume(vol, "/data", false)
                .bind(dir, "/src", false)
                .bind(dir, "/ro", true)
                .build();
        String conf = Sandbox.agentConfig(c).render();
        assertTrue(conf.contains("share bind0\t/src\n"), conf);
        assertTrue(conf.contains("share bind1\t/ro\tro\n"), conf);
    }

    @Test
    void aRootDirectoryIsTheRootShareAndExclusiveWithARootImage() {
        SandboxConfig.Builder byDir = SandboxConfig.builder().kernel(kernel);
        SandboxConfig rw =
                byDir.rootDirectory(dir, false).volume(vol, "/data", false).build();
        String conf = Sandbox.agentConfig(rw).render();
        assertTrue(conf.contains("root virtiofs:root\noverlay no\n"), conf);
        assertTrue(conf.contains("volume /dev/vda\t/data\n"), conf);
        assertFalse(conf.contains("rootfs "), conf);

        SandboxConfig ro = SandboxConfig.builder()
                .kernel(kernel)
                .rootDirectory(dir, true)
                .scratch(vol)
                .build();
        conf = Sandbox.agentConfig(ro).render();
        assertTrue(conf.contains("root virtiofs:root\n"), conf);
        assertFalse(conf.contains("overlay no"), conf);
        assertTrue(conf.contains("scratch /dev/vda"), conf);
        conf = Sandbox.agentConfig(SandboxConfig.builder()
                        .kernel(kernel)
                        .rootDirectory(dir, true, List.of("/containers"))
                        .build())
                .render();
        assertTrue(conf.contains("root virtiofs:root\nlive /containers\n"), conf);
        assertEquals(
                "sandbox: live directories need a read-only root directory (they are bound over its overlay)",
                error(SandboxConfig.builder().kernel(kernel).rootDirectory(dir, false, List.of("/containers"))));
        assertThrows(
                IllegalArgumentException.class,
                () -> SandboxConfig.builder()
                        .kernel(kernel)
                        .rootDirectory(dir, true, List.of("../x"))
                        .build(),
                "the agent config's check of the path");

        assertEquals("sandbox: a root image and a root directory are exclusive", error(ok().rootDirectory(dir, false)));
        assertEquals(
                "sandbox: root directory " + vol + " is not a directory",
                error(SandboxConfig.builder().kernel(kernel).rootDirectory(vol, false)));
        assertEquals(
                "sandbox: root directory " + dir.resolve("gone") + " does not exist",
                error(SandboxConfig.builder().kernel(kernel).rootDirectory(dir.resolve("gone"), true)));
        assertTrue(error(SandboxConfig.builder()
                        .kernel(kernel)
                        .rootDirectory(dir, false)
                        .scratch(vol))
                .contains("a read-write root directory has none"));
    }

    @Test
    void theAgentGetsTheDevicesInDeclarationOrder() {
        SandboxConfig c = ok().volume(vol, "/data", true)
                .scratch(rootfs)
                .hostname("box")
                .env("A=1")
                .network(List.of(PortForward.parse("8080:80")))
                .build();
        String conf = Sandbox.agentConfig(c).render();
        assertTrue(conf.contains("root /dev/vda"), conf);
        assertTrue(conf.contains("volume /dev/vdb\t/data\tro"), conf);
        assertTrue(conf.contains("scratch /dev/vdc"), conf);
        assertTrue(conf.contains("hostname box"), conf);
        assertTrue(
                conf.contains("ip 10.0.2.15/24") && conf.contains("gateway 10.0.2.2") && conf.contains("dns 10.0.2.3"),
                conf);
        assertTrue(conf.contains("env A=1"), conf);
        assertTrue(conf.contains("listen vsock:1024") && conf.contains("ready vsock:2:1025"), conf);
        assertEquals("sandbox", c.name());
    }

    @Test
    void theInitramfsHoldsTheAgentAndItsConfiguration() throws Exception {
        AgentConfig a = Sandbox.agentConfig(ok().build());
        byte[] cpio = AgentInitramfs.build(a);
        String text = new String(cpio, StandardCharsets.ISO_8859_1);
        for (String name : List.of("init", "jvmm/agent.conf", "dev/console", "proc", "sys", "run", "tmp")) {
            assertTrue(text.contains(name + "\0"), "no " + name + " in the initramfs");
        }
        assertTrue(text.contains(a.render()), "the configuration is stored verbatim");
    }
}
