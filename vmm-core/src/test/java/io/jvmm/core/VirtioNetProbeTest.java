package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.core.backend.net.PasstBackend;
import io.jvmm.virtio.net.MacAddress;
import io.jvmm.virtio.net.NetDevice;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** virtio-net end to end with passt: the probe's CPL3 driver gets a DHCP lease, an ARP reply and sends UDP to the host. */
class VirtioNetProbeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @BeforeAll
    static void kvmAndPasst() {
        Probes.requireKvm();
        assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/passt")),
                "skipped: passt is not installed (apt-get install passt)");
    }

    private static String boot(VmConfig config, Probes.Console console, Vm[] keep) throws Exception {
        try (Vm vm = Vm.create(config)) {
            keep[0] = vm;
            vm.start();
            VmExit exit = vm.awaitExit(TIMEOUT).orElse(null);
            assertNotNull(exit, "guest did not end within " + TIMEOUT + ": " + console);
            assertEquals(new VmExit.DebugExit(0), exit, console.toString());
            return console.toString();
        }
    }

    @Test
    void dhcpLeaseAndArpReplyFromPasst() throws Exception {
        Probes.Console console = new Probes.Console();
        MacAddress mac = MacAddress.parse("02:6a:76:6d:6d:01");
        Vm[] vm = new Vm[1];
        String out = boot(
                Probes.config("virtio-net", "op=dhcp,echo")
                        .memoryMib(64)
                        .net(NetConfig.passt(List.of()).withMac(mac))
                        .consoleOutput(console)
                        .build(),
                console,
                vm);
        assertTrue(out.contains("virtio-net: mac 02:6a:76:6d:6d:01 status 1"), out);
        Matcher m = Pattern.compile("virtio-net: dhcp address (\\S+) gateway (\\S+) mask (\\S+)")
                .matcher(out);
        assertTrue(m.find(), out);
        assertTrue(out.contains("virtio-net: arp " + m.group(2) + " is "), out);
        NetDevice net = vm[0].net().orElseThrow();
        assertTrue(net.rxFrames() >= 3 && net.txFrames() >= 3, "rx " + net.rxFrames() + " tx " + net.txFrames());
    }

    @Test
    void udpFromTheGuestReachesTheHost() throws Exception {
        try (DatagramSocket host = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            host.setSoTimeout(20_000);
            int port = host.getLocalPort();
            Probes.Console console = new Probes.Console();
            Vm[] vm = new Vm[1];
            // passt maps the gateway's address to the host's loopback.
            String out = boot(
                    Probes.config("virtio-net", "op=dhcp,udp-tx count=5 size=100 dst=gw:" + port)
                            .memoryMib(64)
                            .net(NetConfig.passt(List.of()))
                            .consoleOutput(console)
                            .build(),
                    console,
                    vm);
            assertTrue(out.contains("virtio-net: udp-tx 5 datagrams of 100 bytes"), out);
            DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            host.receive(p);
            assertEquals(100, p.getLength());
        }
    }

    @Test
    void passtEndsWhenTheVmmIsKilled(@TempDir Path tmp) throws Exception {
        // A killed VMM cannot remove passt's socket directory: it goes in a directory the test owns.
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        List<String> cmd = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-Djava.io.tmpdir=" + tmp,
                "-cp",
                System.getProperty("java.class.path"),
                ProbeMain.class.getName(),
                Probes.probe("spin").toString(),
                "",
                "--passt");
        Process vmm = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(vmm.getInputStream()));
            String line;
            while ((line = r.readLine()) != null && !line.contains("spin: cpl3")) {}
            assertNotNull(line, "the spin probe did not start");
            ProcessHandle passt = vmm.toHandle()
                    .children()
                    .filter(c -> c.info().command().orElse("").contains("passt"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no passt child"));
            new ProcessBuilder("kill", "-9", Long.toString(vmm.pid())).start().waitFor();
            assertTrue(vmm.waitFor(10, TimeUnit.SECONDS));
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (passt.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
            assertFalse(passt.isAlive(), "passt " + passt.pid() + " outlived its VMM");
        } finally {
            vmm.destroyForcibly();
        }
    }

    @Test
    void passtNeverOutlivesTheVm() throws Exception {
        long pid;
        try (Vm vm = Vm.create(
                Probes.config("hello", "").net(NetConfig.passt(List.of())).build())) {
            pid = ((PasstBackend) vm.net().orElseThrow().backend()).pid();
            assertTrue(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "passt runs with the VM");
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline)
            Thread.sleep(10);
        assertFalse(
                ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false),
                "passt " + pid + " still runs after close()");
    }
}
