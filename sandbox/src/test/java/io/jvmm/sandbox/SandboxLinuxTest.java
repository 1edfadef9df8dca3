package io.jvmm.sandbox;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.agent.AgentProtocol;
import io.jvmm.agent.ExecResult;
import io.jvmm.core.VmExit;
import io.jvmm.core.backend.net.PortForward;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole path in a real guest: the project kernel boots with the agent as init and the busybox
 * image as root, and the host runs programs through the agent over vsock. Boots once (slow where
 * kvm_pvm emulates guest kernel code), snapshots the ready guest, and the last test restores it.
 */
@Tag("linux")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SandboxLinuxTest {
    @TempDir
    static Path dir;

    private static Sandbox sandbox;
    private static SandboxConfig config;
    private static byte[] imageDigest;
    private static int forwardedPort;
    private static final ByteArrayOutputStream console = new ByteArrayOutputStream();

    @BeforeAll
    static void boot() throws Exception {
        TestImages.requireKvm();
        Path volume = TestImages.ext4(dir.resolve("data.ext4"), 16);
        // The overlay's upper layer on a scratch drive (vdc) instead of tmpfs: jvmm run uses tmpfs,
        // so this boot covers the other case.
        Path scratch = TestImages.ext4(dir.resolve("scratch.ext4"), 32);
        imageDigest = sha256(TestImages.rootfs());
        SandboxConfig.Builder b = SandboxConfig.builder()
                .name("sbx")
                .kernel(TestImages.kernel())
                .rootfs(TestImages.rootfs())
                .volume(volume, "/data", false)
                .scratch(scratch)
                .env("GREETING=hello from the image")
                .console(console)
                .memoryMib(256);
        if (TestImages.passtInstalled()) {
            try (ServerSocket free = new ServerSocket(0)) {
                forwardedPort = free.getLocalPort();
            }
            b.network(List.of(new PortForward(false, forwardedPort, 8080)));
        } else {
            System.out.println("SandboxLinuxTest: passt is not installed: the network test is skipped");
        }
        config = b.build();
        long t0 = System.nanoTime();
        sandbox = Sandbox.start(config);
        System.out.printf(
                "SandboxLinuxTest: boot to agent ready in %d ms (agent uptime %d ms)%n",
                (System.nanoTime() - t0) / 1_000_000, sandbox.hello().uptimeNanos() / 1_000_000);
    }

    @AfterAll
    static void close() {
        if (sandbox != null) sandbox.close();
    }

    private static byte[] sha256(Path p) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
    }

    private static String consoleText() {
        return console.toString(StandardCharsets.ISO_8859_1);
    }

    @Test
    @Order(1)
    void execRunsAProgramAndReturnsItsOutputAndStatus() throws Exception {
        ExecResult r = sandbox.exec("sh", "-c", "echo \"$GREETING\"; echo oops >&2; exit 3");
        assertEquals(3, r.exitCode(), () -> r + consoleText());
        assertEquals("hello from the image\n", r.stdoutText());
        assertEquals("oops\n", r.stderrText());
        ExecResult host = sandbox.exec("hostname");
        assertEquals("sbx\n", host.stdoutText());
    }

    @Test
    @Order(2)
    void aMissingCommandExitsWith127AndSaysWhy() throws Exception {
        ExecResult r = sandbox.exec("no-such-command");
        assertEquals(127, r.exitCode());
        assertNotNull(r.error());
        assertTrue(r.error().contains("no-such-command"), r.error());
    }

    @Test
    @Order(3)
    void theRootIsWritableThroughTheOverlayAndTheImageIsNotTouched() throws Exception {
        ExecResult w = sandbox.exec("sh", "-c", "echo changed > /etc/hostname && cat /etc/hostname && mount");
        assertEquals(0, w.exitCode(), w.stderrText());
        assertTrue(w.stdoutText().startsWith("changed\n"), w.stdoutText());
        assertTrue(w.stdoutText().contains("overlay on / "), w.stdoutText());
        assertTrue(w.stdoutText().contains("/dev/vdb on /data "), w.stdoutText());
        assertArrayEquals(imageDigest, sha256(TestImages.rootfs()), "the root image changed");
        // Writes to the root land on the scratch drive: its sectors-written counter moves.
        ExecResult s = sandbox.exec(
                "sh",
                "-c",
                "sync; a=$(awk '{print $7}' /sys/block/vdc/stat); "
                        + "dd if=/dev/zero of=/scratch-probe bs=4096 count=16 2>/dev/null; sync; "
                        + "b=$(awk '{print $7}' /sys/block/vdc/stat); echo $((b - a))");
        assertEquals(0, s.exitCode(), s.stderrText());
        assertTrue(
                Long.parseLong(s.stdoutText().trim()) >= 128,
                "sectors written to the scratch drive: " + s.stdoutText());
    }

    @Test
    @Order(4)
    void filesCopyInAndOutAndVolumesAreWritable() throws Exception {
        byte[] data = new byte[300_000];
        new Random(7).nextBytes(data);
        sandbox.agent().copyIn(new ByteArrayInputStream(data), "/data/blob", 0640);
        ExecResult sum = sandbox.exec("sha256sum", "/data/blob");
        String expected =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        assertTrue(sum.stdoutText().startsWith(expected), sum.stdoutText());
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        sandbox.agent().copyOut("/data/blob", back);
        assertArrayEquals(data, back.toByteArray());
    }

    @Test
    @Order(5)
    void theNetworkIsConfiguredByTheAgentAndPortsAreForwarded() throws Exception {
        assumeTrue(forwardedPort != 0, "skipped: passt is not installed");
        ExecResult ip = sandbox.exec("sh", "-c", "ifconfig eth0; route -n; cat /etc/resolv.conf");
        assertEquals(0, ip.exitCode(), ip.stderrText());
        assertTrue(ip.stdoutText().contains("inet addr:10.0.2.15"), ip.stdoutText());
        assertTrue(ip.stdoutText().matches("(?s).*0\\.0\\.0\\.0\\s+10\\.0\\.2\\.2\\s.*"), ip.stdoutText());
        assertTrue(ip.stdoutText().contains("nameserver 10.0.2.3"), ip.stdoutText());
        // Host to guest through passt's port forward: busybox httpd in the guest.
        ExecResult httpd = sandbox.exec(
                "sh", "-c", "mkdir -p /www && echo served-by-the-guest > /www/index.html && httpd -p 8080 -h /www");
        assertEquals(0, httpd.exitCode(), httpd.stderrText());
        String body = null;
        for (int i = 0; i < 100 && body == null; i++) {
            try (Socket c = new Socket("127.0.0.1", forwardedPort)) {
                c.setSoTimeout(20_000);
                c.getOutputStream().write("GET /index.html HTTP/1.0\r\n\r\n".getBytes());
                String resp = new String(c.getInputStream().readAllBytes());
                if (resp.contains("served-by-the-guest")) body = resp;
            } catch (IOException e) {
                Thread.sleep(100);
            }
        }
        assertNotNull(body, "no answer from the guest's httpd through port " + forwardedPort);
    }

    /** A vsock client inside the guest, PING to the agent's port: only the host (CID 2) is answered. */
    private static final String VSOCK_CLIENT = """
            #include <errno.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <sys/socket.h>
            #include <unistd.h>
            struct sockaddr_vm_ { unsigned short family, reserved; unsigned port, cid; unsigned char flags, zero[3]; };
            int main(int argc, char **argv) {
                int s = socket(40, SOCK_STREAM, 0);
                struct sockaddr_vm_ sa = { 40, 0, (unsigned)atoi(argv[2]), (unsigned)atoi(argv[1]), 0, {0} };
                if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) { printf("connect: %s\\n", strerror(errno)); return 2; }
                unsigned char ping[8] = { 1, 0x41, 0, 0, 0, 0, 0, 0 }, reply[8];
                if (write(s, ping, 8) != 8) { printf("refused: write: %s\\n", strerror(errno)); return 0; }
                ssize_t n = read(s, reply, 8);
                if (n == 8 && reply[1] == 0x7e) printf("answered\\n");
                else printf("refused: %s\\n", n == 0 ? "closed" : n < 0 ? strerror(errno) : "short reply");
                return 0;
            }
            """;

    @Test
    @Order(6)
    void theAgentServesOnlyTheHost() throws Exception {
        String cc = TestImages.staticCompiler();
        assumeTrue(cc != null, "skipped: neither musl-gcc nor gcc with static libc (apt-get install musl-tools)");
        Path src = Files.writeString(dir.resolve("vsock-client.c"), VSOCK_CLIENT);
        Path bin = dir.resolve("vsock-client");
        Process p = new ProcessBuilder(cc, "-static", "-O1", "-o", bin.toString(), src.toString())
                .redirectErrorStream(true)
                .start();
        String compiler = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), compiler);
        try (InputStream in = Files.newInputStream(bin)) {
            sandbox.agent().copyIn(in, "/root/vsock-client", 0755);
        }
        // CID 1 is the guest's own loopback transport (the project kernel has VSOCKETS_LOOPBACK).
        ExecResult r = sandbox.exec("/root/vsock-client", "1", Integer.toString(AgentProtocol.DEFAULT_PORT));
        assertEquals(0, r.exitCode(), () -> r + " " + r.stdoutText() + consoleText());
        assertTrue(r.stdoutText().startsWith("refused"), "a guest process reached the agent: " + r.stdoutText());
        assertEquals(0, sandbox.exec("true").exitCode(), "the host is still served");
    }

    @Test
    @Order(7)
    void aSnapshotOfTheReadyGuestRestoresToAReadyAgent() throws Exception {
        Path snap = dir.resolve("snap");
        sandbox.exec("sh", "-c", "echo before-snapshot > /root/marker");
        long t0 = System.nanoTime();
        sandbox.snapshot(snap);
        long snapMs = (System.nanoTime() - t0) / 1_000_000;
        // The volume image is locked by the running VM: the original must be gone before a restore.
        sandbox.close();
        sandbox = null;
        t0 = System.nanoTime();
        try (Sandbox restored = Sandbox.restore(snap, config)) {
            long restoreMs = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("SandboxLinuxTest: snapshot %d ms, restore to agent ready %d ms%n", snapMs, restoreMs);
            ExecResult r = restored.exec("cat", "/root/marker");
            assertEquals("before-snapshot\n", r.stdoutText(), r + consoleText());
            VmExit exit = restored.stop(Duration.ofSeconds(5));
            assertTrue(exit instanceof VmExit.Reset, "poweroff ends the VM with a reset: " + exit);
        }
    }
}
