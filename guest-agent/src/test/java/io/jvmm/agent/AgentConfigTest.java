package io.jvmm.agent;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class AgentConfigTest {
    @Test
    void rendersVmConfig() {
        String c = AgentConfig.builder()
                .listenVsock(AgentProtocol.DEFAULT_PORT)
                .readyVsock(AgentProtocol.HOST_CID, AgentProtocol.READY_PORT)
                .hostname("vm-1")
                .rootDevice("/dev/vda", "auto")
                .scratch("/dev/vdb")
                .volume("/dev/vdc", "/data", true)
                .volume("/dev/vdd", "/cache", false)
                .ip("10.0.0.2/24")
                .gateway("10.0.0.1")
                .mtu(1450)
                .dns("1.1.1.1")
                .dns("2606:4700::1111")
                .env("LANG=C.UTF-8")
                .build()
                .render();
        assertEquals("""
                listen vsock:1024
                ready vsock:2:1025
                hostname vm-1
                root /dev/vda
                rootfs auto
                scratch /dev/vdb
                volume /dev/vdc\t/data\tro
                volume /dev/vdd\t/cache
                ip 10.0.0.2/24
                gateway 10.0.0.1
                mtu 1450
                dns 1.1.1.1
                dns 2606:4700::1111
                env LANG=C.UTF-8
                """, c);
    }

    @Test
    void rendersTestModeConfig() {
        String c = AgentConfig.builder()
                .listenUnix(Path.of("/tmp/a.sock"))
                .readyUnix(Path.of("/tmp/r.sock"))
                .rootDirectory(Path.of("/tmp/root"))
                .build()
                .render();
        assertEquals("listen unix:/tmp/a.sock\nready unix:/tmp/r.sock\nroot dir:/tmp/root\n", c);
    }

    @Test
    void sharesRenderLikeVolumesAndBadOnesAreRefused() {
        String c = AgentConfig.builder()
                .listenVsock(1)
                .share("bind0", "/src", false)
                .share("bind1", "/ro", true)
                .build()
                .render();
        assertEquals("listen vsock:1\nshare bind0\t/src\nshare bind1\t/ro\tro\n", c);
        assertThrows(IllegalArgumentException.class, () -> AgentConfig.builder().share("x".repeat(37), "/a", false));
        assertThrows(IllegalArgumentException.class, () -> AgentConfig.builder().share("t", "relative", false));
        assertThrows(IllegalArgumentException.class, () -> AgentConfig.builder().share("t", "/", false));
    }

    @Test
    void rootShareAndRootItself() {
        assertEquals(
                "listen vsock:1\nroot virtiofs:root\n",
                AgentConfig.builder().listenVsock(1).rootShare("root").build().render());
        assertEquals(
                "listen vsock:1\nroot virtiofs:root\noverlay no\n",
                AgentConfig.builder()
                        .listenVsock(1)
                        .rootShare("root")
                        .rootItself()
                        .build()
                        .render());
        assertEquals(
                "listen vsock:1\nroot dir:/tmp/r\noverlay no\n",
                AgentConfig.builder()
                        .listenVsock(1)
                        .rootDirectory(Path.of("/tmp/r"))
                        .rootItself()
                        .build()
                        .render());
        assertMsg("36 bytes", () -> AgentConfig.builder().rootShare("x".repeat(37)));
        assertThrows(
                IllegalStateException.class,
                () -> AgentConfig.builder()
                        .listenVsock(1)
                        .rootDevice("/dev/vda", "auto")
                        .rootItself()
                        .build());
        assertThrows(
                IllegalStateException.class,
                () -> AgentConfig.builder()
                        .listenVsock(1)
                        .rootShare("root")
                        .rootItself()
                        .scratch("/dev/vdb")
                        .build());
    }

    @Test
    void liveDirectoriesOfAShareRootUnderItsOverlay() {
        assertEquals(
                "listen vsock:1\nroot virtiofs:root\nlive /containers\nlive /a/b\n",
                AgentConfig.builder()
                        .listenVsock(1)
                        .rootShare("root")
                        .live("/containers")
                        .live("/a/b")
                        .build()
                        .render());
        for (String bad : new String[] {"/", "rel", "/a/", "/a//b", "/a/../b", "/.", "/a/.", ""})
            assertThrows(
                    IllegalArgumentException.class, () -> AgentConfig.builder().live(bad), bad);
        assertThrows(
                IllegalStateException.class,
                () -> AgentConfig.builder()
                        .listenVsock(1)
                        .rootDevice("/dev/vda", "auto")
                        .live("/containers")
                        .build());
        assertThrows(
                IllegalStateException.class,
                () -> AgentConfig.builder()
                        .listenVsock(1)
                        .rootShare("root")
                        .rootItself()
                        .live("/containers")
                        .build());
    }

    @Test
    void escapes() {
        assertEquals("a\\\\b\\nc\\td", AgentConfig.escape("a\\b\nc\td"));
        String c = AgentConfig.builder()
                .listenVsock(1)
                .env("MSG=line1\nline2\tx\\y")
                .volume("/dev/vdb", "/with\ttab", false)
                .build()
                .render();
        assertTrue(c.contains("env MSG=line1\\nline2\\tx\\\\y\n"), c);
        assertTrue(c.contains("volume /dev/vdb\t/with\\ttab\n"), c);
        assertEquals(3, c.split("\n").length);
    }

    @Test
    void validates() {
        var b = AgentConfig.builder();
        assertMsg("absolute", () -> b.rootDevice("vda", "auto"));
        assertMsg("one of", () -> b.rootDevice("/dev/vda", "btrfs"));
        assertMsg("NUL", () -> b.env("A=\0"));
        assertMsg("KEY=VALUE", () -> b.env("=x"));
        assertMsg("hostname", () -> b.hostname("bad name"));
        assertMsg("hostname", () -> b.hostname("x".repeat(65)));
        assertMsg("ip", () -> b.ip("10.0.0.300/24"));
        assertMsg("ip", () -> b.ip("10.0.0.1"));
        assertMsg("gateway", () -> b.gateway("example.com"));
        assertMsg("mtu", () -> b.mtu(67));
        assertMsg("mtu", () -> b.mtu(65536));
        assertMsg("dns", () -> b.dns("one one"));
        assertMsg("volume path", () -> b.volume("/dev/vdb", "data", false));
        assertMsg("longer than", () -> b.listenUnix(Path.of("/tmp/" + "x".repeat(120))));
        assertMsg("negative", () -> b.listenVsock(-1));
        assertThrows(IllegalStateException.class, () -> AgentConfig.builder().build());
        assertThrows(
                IllegalStateException.class,
                () -> AgentConfig.builder().listenVsock(1).gateway("10.0.0.1").build());
        assertThrows(
                IllegalStateException.class,
                () -> AgentConfig.builder().listenVsock(1).mtu(1450).build());
    }

    private static void assertMsg(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), "message \"" + x.getMessage() + "\" should mention " + part);
    }
}
