package io.jvmm.core.backend.net;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.core.ConfigException;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.virtio.net.MacAddress;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A network namespace shaped as CNI leaves it (a veth end, eth0, with an address and a default route;
 * the other end on this host), joined by {@link NetnsTap}: an ARP request written into the TAP as the
 * guest would leaves through eth0, and the host's answer comes back through the TAP. No VM: the test
 * plays the guest. Root only.
 */
class NetnsTapTest {
    private final String ns = "jvmm-nt-" + ProcessHandle.current().pid();
    private final String hostEnd = "jvnt" + ProcessHandle.current().pid() % 100000;
    private final Path path = Path.of("/run/netns", ns);

    @BeforeAll
    static void rootAndTools() {
        assumeTrue("root".equals(System.getProperty("user.name")), "skipped: network namespaces need root");
        assumeTrue(Files.exists(Path.of("/dev/net/tun")), "skipped: no /dev/net/tun");
        for (String tool : new String[] {"/usr/sbin/ip", "/usr/sbin/tc", "/usr/bin/nsenter"})
            assumeTrue(Files.isExecutable(Path.of(tool)), () -> "skipped: no " + tool + " (iproute2, util-linux)");
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd) + " hangs");
        assertEquals(0, p.exitValue(), () -> String.join(" ", cmd) + ": " + out);
        return out;
    }

    @BeforeEach
    void cniLikeNamespace() throws Exception {
        run("ip", "netns", "add", ns);
        run("ip", "link", "add", hostEnd, "type", "veth", "peer", "name", "eth0", "netns", ns);
        run("ip", "addr", "add", "10.97.0.1/24", "dev", hostEnd);
        run("ip", "link", "set", hostEnd, "up");
        run("ip", "-n", ns, "addr", "add", "10.97.0.2/24", "dev", "eth0");
        run("ip", "-n", ns, "link", "set", "eth0", "up");
        run("ip", "-n", ns, "route", "add", "default", "via", "10.97.0.1");
    }

    @AfterEach
    void cleanup() throws Exception {
        new ProcessBuilder("ip", "link", "del", hostEnd).start().waitFor(30, TimeUnit.SECONDS);
        new ProcessBuilder("ip", "netns", "del", ns).start().waitFor(30, TimeUnit.SECONDS);
    }

    @Test
    void framesCrossBetweenTheTapAndTheEnginesInterfaceBothWays() throws Exception {
        NetnsTap.Attachment a = NetnsTap.attach(path).orElseThrow();
        try {
            NetnsInterface eth0 = a.iface();
            assertEquals("eth0", eth0.name());
            assertEquals("10.97.0.2/24", eth0.cidr());
            assertEquals("10.97.0.1", eth0.gateway());
            assertEquals(1500, eth0.mtu());
            String link = run("ip", "-n", ns, "-o", "link", "show", "dev", "eth0");
            assertTrue(link.contains("link/ether " + eth0.mac()), link);
            assertTrue(run("ip", "-n", ns, "-o", "link", "show", "dev", NetnsTap.TAP)
                    .contains(",UP"));

            try (Arena arena = Arena.ofConfined()) {
                // the guest, with eth0's MAC and address, asks who has the gateway
                Libc.write(a.tapFd(), arena.allocateFrom(ValueLayout.JAVA_BYTE, arpRequest(eth0.mac())));
                MemorySegment buf = arena.allocate(2048);
                byte[] reply = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (reply == null && System.nanoTime() < deadline) {
                    if ((Libc.poll(a.tapFd(), Libc.POLLIN, 200) & Libc.POLLIN) == 0) continue;
                    byte[] f = buf.asSlice(0, Libc.read(a.tapFd(), buf)).toArray(ValueLayout.JAVA_BYTE);
                    if (f.length >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2) reply = f; // ARP reply
                }
                assertNotNull(reply, "no ARP reply from the host came back through the TAP");
                byte[] senderIp = java.util.Arrays.copyOfRange(reply, 28, 32);
                assertArrayEquals(new byte[] {10, 97, 0, 1}, senderIp, "the gateway answers");
            }
        } finally {
            NetnsTap.detach(a);
        }
        assertFalse(run("tc", "-n", ns, "qdisc", "show", "dev", "eth0").contains("ingress"), "the redirect is gone");
        assertFalse(run("ip", "-n", ns, "-o", "link", "show").contains(NetnsTap.TAP), "the TAP is gone");
    }

    @Test
    void aNamespaceWithoutAnAddressGivesNoNetworkAndAMissingOneIsAnError() throws Exception {
        run("ip", "-n", ns, "addr", "flush", "dev", "eth0");
        assertTrue(NetnsTap.attach(path).isEmpty());
        ConfigException e =
                assertThrows(ConfigException.class, () -> NetnsTap.attach(Path.of("/run/netns/no-such-ns")));
        assertTrue(e.getMessage().contains("/run/netns/no-such-ns does not exist"), e.getMessage());
    }

    /** An Ethernet broadcast ARP request from {@code mac}, 10.97.0.2, for 10.97.0.1. */
    private static byte[] arpRequest(MacAddress mac) {
        byte[] m = mac.bytes();
        byte[] f = new byte[42];
        for (int i = 0; i < 6; i++) f[i] = (byte) 0xff;
        System.arraycopy(m, 0, f, 6, 6);
        f[12] = 0x08;
        f[13] = 0x06; // ARP
        f[15] = 1; // Ethernet
        f[16] = 0x08; // IPv4
        f[18] = 6;
        f[19] = 4;
        f[21] = 1; // request
        System.arraycopy(m, 0, f, 22, 6);
        System.arraycopy(new byte[] {10, 97, 0, 2}, 0, f, 28, 4);
        System.arraycopy(new byte[] {10, 97, 0, 1}, 0, f, 38, 4);
        return f;
    }
}
