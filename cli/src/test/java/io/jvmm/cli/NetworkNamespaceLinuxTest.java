package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.core.backend.net.NetnsTap;
import io.jvmm.kvm.Kvm;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmStore;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pod joined to a network namespace shaped as CNI or netavark leave one (a veth end with an address
 * and a default route, its peer on this host): {@code pod create --network ns:PATH}. The host reaches a
 * server in the pod at the namespace's address, the guest's eth0 has the veth's MAC, and the TAP goes
 * with the pod. One boot; root only.
 */
@Tag("linux")
class NetworkNamespaceLinuxTest {
    private static final String NS = "jvmm-nn-" + ProcessHandle.current().pid();
    private static final String HOST_END = "jvnn" + ProcessHandle.current().pid() % 100000;

    @TempDir
    static Path home;

    private static VmStore store;
    private final CliRun cli = new CliRun();

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
        assumeTrue(StateDirs.currentUid() == 0, "skipped: network namespaces need root");
        for (String tool : new String[] {"/usr/sbin/ip", "/usr/sbin/tc", "/usr/bin/nsenter"})
            assumeTrue(Files.isExecutable(Path.of(tool)), () -> "skipped: no " + tool + " (iproute2, util-linux)");
        store = VmProcessHome.open(home);
        sh("ip netns add " + NS);
        sh("ip link add " + HOST_END + " type veth peer name eth0 netns " + NS);
        // a CNI overlay's MTU, which the guest must take too
        sh("ip addr add 10.96.0.1/24 dev " + HOST_END + " && ip link set " + HOST_END + " mtu 1450 up");
        sh("ip -n " + NS + " addr add 10.96.0.2/24 dev eth0 && ip -n " + NS + " link set eth0 mtu 1450 up && ip -n "
                + NS + " link set lo up && ip -n " + NS + " route add default via 10.96.0.1");
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (store != null) VmProcessHome.close(store);
        new ProcessBuilder("ip", "link", "del", HOST_END).start().waitFor(30, TimeUnit.SECONDS);
        new ProcessBuilder("ip", "netns", "del", NS).start().waitFor(30, TimeUnit.SECONDS);
    }

    private static String sh(String script) throws Exception {
        Process p =
                new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), script + " hangs");
        assertEquals(0, p.exitValue(), () -> script + ": " + out);
        return out;
    }

    private String ok(String... args) {
        int status = cli.run(args);
        assertEquals(0, status, () -> String.join(" ", args) + ": " + cli.out() + cli.err());
        return cli.out();
    }

    @Test
    void theHostReachesAServerInThePodAtTheNamespacesAddress() throws Exception {
        Path roots = Files.createDirectories(home.resolve("roots"));
        Path web = VmProcessHome.busyboxTree(roots.resolve("web"));
        ok("pod", "create", "--name", "tn", "--network", "ns:/run/netns/" + NS, "-v", roots + ":/srv");
        try {
            ok(
                    "run",
                    "--pod",
                    "tn",
                    "-d",
                    "--name",
                    "web",
                    "--rootfs",
                    web.toString(),
                    "sh",
                    "-c",
                    "while :; do echo served-in-the-namespace | nc -l -p 7000; done");
            assertTrue(
                    sh("ip -n " + NS + " -o link show dev " + NetnsTap.TAP).contains(",UP"),
                    "the TAP is in the namespace and up");
            String mac = sh("ip -n " + NS + " -o link show dev eth0").replaceAll("(?s).*link/ether (\\S+).*", "$1");
            assertEquals(
                    mac + "\n", ok("exec", "web", "cat", "/sys/class/net/eth0/address"), "eth0 takes the veth's MAC");
            assertTrue(ok("exec", "web", "ip", "-4", "addr", "show", "eth0").contains("inet 10.96.0.2/24"), cli.out());
            assertEquals("1450\n", ok("exec", "web", "cat", "/sys/class/net/eth0/mtu"), "and its MTU");

            String got = null;
            for (int i = 0; i < 60 && got == null; i++) {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("10.96.0.2", 7000), 10_000);
                    s.setSoTimeout(60_000);
                    InputStream in = s.getInputStream();
                    got = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                } catch (ConnectException e) {
                    TimeUnit.SECONDS.sleep(1); // refused: the listener is not up yet
                }
            }
            assertEquals("served-in-the-namespace\n", got);
        } finally {
            cli.run("pod", "rm", "-f", "tn");
        }
        assertFalse(sh("ip -n " + NS + " -o link show").contains(NetnsTap.TAP), "the TAP went with the pod's VM");
    }
}
