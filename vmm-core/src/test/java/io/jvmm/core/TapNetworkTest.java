package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * virtio-net over a TAP device, in a network namespace of the test's own (root only): the VMM runs in
 * the namespace as a child process, the probe ARPs for the TAP's host-side address and the host
 * kernel answers through the same TAP.
 */
class TapNetworkTest {
    private final String ns = "jvmm-tap-" + ProcessHandle.current().pid();

    @BeforeAll
    static void rootAndKvm() {
        Probes.requireKvm();
        assumeTrue(
                "root".equals(System.getProperty("user.name")),
                "skipped: TAP devices and network namespaces need root");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "skipped: no /dev/net/tun");
        assumeTrue(
                Files.isExecutable(Path.of("/usr/sbin/ip")) || Files.isExecutable(Path.of("/sbin/ip")),
                "skipped: no ip(8) (iproute2)");
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd) + " hangs");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
        return out;
    }

    @BeforeEach
    void namespace() throws Exception {
        run("ip", "netns", "add", ns);
        run("ip", "netns", "exec", ns, "ip", "tuntap", "add", "dev", "jt0", "mode", "tap");
        run("ip", "netns", "exec", ns, "ip", "addr", "add", "10.99.0.1/24", "dev", "jt0");
        run("ip", "netns", "exec", ns, "ip", "link", "set", "jt0", "up");
    }

    @AfterEach
    void cleanup() throws Exception {
        new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(30, TimeUnit.SECONDS);
    }

    private Process vmm(String tap, String cmdline) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                "ip",
                "netns",
                "exec",
                ns,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                ProbeMain.class.getName(),
                Probes.probe("virtio-net").toString(),
                cmdline,
                "--tap",
                tap));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    @Test
    void arpRoundTripThroughTheTap() throws Exception {
        Process p = vmm("jt0", "op=echo gw=10.99.0.1");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        String hostMac = run("ip", "netns", "exec", ns, "cat", "/sys/class/net/jt0/address")
                .trim();
        assertTrue(out.contains("virtio-net: arp 10.99.0.1 is " + hostMac), out);
    }

    /**
     * An interface that does not exist is created through /dev/net/tun for the VM (the probe ARPs
     * until the test has given the new device an address), and goes away with the VM.
     */
    @Test
    void aMissingTapIsCreatedForTheVmAndGoneAfterIt() throws Exception {
        Process p = vmm("jt1", "op=echo gw=10.99.1.1");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (new ProcessBuilder("ip", "netns", "exec", ns, "ip", "link", "show", "jt1")
                        .start()
                        .waitFor()
                != 0) {
            if (!p.isAlive())
                fail("the VMM ended before creating jt1: "
                        + new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1));
            assertTrue(System.nanoTime() < deadline, "jt1 never appeared");
            Thread.sleep(20);
        }
        run("ip", "netns", "exec", ns, "ip", "addr", "add", "10.99.1.1/24", "dev", "jt1");
        run("ip", "netns", "exec", ns, "ip", "link", "set", "jt1", "up");
        String hostMac = run("ip", "netns", "exec", ns, "cat", "/sys/class/net/jt1/address")
                .trim();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("virtio-net: arp 10.99.1.1 is " + hostMac), out);
        assertNotEquals(
                0,
                new ProcessBuilder("ip", "netns", "exec", ns, "ip", "link", "show", "jt1")
                        .start()
                        .waitFor(),
                "the TAP jvmm created is gone with the VM");
    }

    @Test
    void badInterfaceNameIsOneLine() throws Exception {
        Process bad = vmm("bad name!", "op=echo");
        String out = new String(bad.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        assertTrue(bad.waitFor(60, TimeUnit.SECONDS));
        assertEquals(2, bad.exitValue(), out);
        assertTrue(out.contains("config error: network.interface: 'bad name!' is not a network interface name"), out);
    }
}
