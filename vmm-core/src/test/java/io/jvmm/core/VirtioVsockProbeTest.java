package io.jvmm.core;

import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.virtio.vsock.VsockListener;
import io.jvmm.virtio.vsock.VsockStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * virtio-vsock end to end: the probe's CPL3 driver against jvmm's device, through the in-process API
 * and through the Firecracker-style Unix socket, in both directions.
 */
class VirtioVsockProbeTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @BeforeAll
    static void kvm() {
        Probes.requireKvm();
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * seed + 3);
        return b;
    }

    private static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    private static void end(Vm vm, Probes.Console console) throws InterruptedException {
        VmExit exit = vm.awaitExit(TIMEOUT).orElse(null);
        assertNotNull(exit, "guest did not end: " + console);
        assertEquals(new VmExit.DebugExit(0), exit, console.toString());
    }

    /** Writes {@code data}, half-closes, reads the echo to the end. */
    private static byte[] echo(VsockStream s, byte[] data) throws Exception {
        CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
            try {
                return s.input().readAllBytes();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        s.output().write(data);
        s.shutdownOutput();
        byte[] got = back.get(30, TimeUnit.SECONDS);
        s.close();
        return got;
    }

    @Test
    void hostConnectsToAGuestEchoServerSixtyFourTimesAtOnce() throws Exception {
        Probes.Console console = new Probes.Console();
        int n = 64;
        try (Vm vm = Vm.create(Probes.config("virtio-vsock", "op=echo-server port=5000 count=" + n)
                .memoryMib(64)
                .vsock(3, null)
                .consoleOutput(console)
                .build())) {
            vm.start();
            assertTrue(console.await("virtio-vsock: listening on 5000", 20_000), console.toString());
            assertTrue(console.toString().contains("virtio-vsock: cid 3"), console.toString());
            List<CompletableFuture<Void>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int seed = i + 1;
                VsockStream s = vm.vsock().connect(5000, Duration.ofSeconds(10));
                all.add(CompletableFuture.runAsync(() -> {
                    try {
                        byte[] data = pattern(20_000 + seed * 1000, seed);
                        assertArrayEquals(data, echo(s, data), "stream " + seed);
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }));
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            end(vm, console);
            assertTrue(console.toString().contains("virtio-vsock: served " + n + " connections"), console.toString());
        }
    }

    @Test
    void guestConnectsToAnInProcessListener() throws Exception {
        Probes.Console console = new Probes.Console();
        int bytes = 300_000;
        try (Vm vm = Vm.create(Probes.config("virtio-vsock", "op=client port=6000 bytes=" + bytes)
                        .memoryMib(64)
                        .vsock(7, null)
                        .consoleOutput(console)
                        .build());
                VsockListener l = vm.vsock().listen(6000)) {
            vm.start();
            VsockStream s =
                    l.accept(Duration.ofSeconds(20)).orElseThrow(() -> new AssertionError("no connection: " + console));
            byte[] got = s.input().readAllBytes(); // the guest half-closes after sending
            assertArrayEquals(pattern(bytes, 7), got);
            s.output().write(got);
            s.close(); // sends the echo, then SHUTDOWN
            end(vm, console);
            assertTrue(console.toString().contains("virtio-vsock: cid 7"), console.toString());
            assertTrue(
                    console.toString()
                            .contains(String.format(
                                    "virtio-vsock: client sent %d received %d crc32 0x%08x", bytes, bytes, crc(got))),
                    console.toString());
        }
    }

    /** The probe's receive benchmark: it sends nothing and takes what the host writes until it closes. */
    @Test
    void guestSinkTakesWhatTheHostWrites() throws Exception {
        Probes.Console console = new Probes.Console();
        byte[] data = pattern(1 << 20, 11);
        try (Vm vm = Vm.create(Probes.config("virtio-vsock", "op=sink port=6000 mib=1")
                        .memoryMib(64)
                        .vsock(3, null)
                        .consoleOutput(console)
                        .build());
                VsockListener l = vm.vsock().listen(6000)) {
            vm.start();
            VsockStream s =
                    l.accept(Duration.ofSeconds(20)).orElseThrow(() -> new AssertionError("no connection: " + console));
            s.output().write(data);
            assertEquals(-1, s.input().read(), "the sink half-closed at once");
            s.close();
            end(vm, console);
            assertTrue(
                    Pattern.compile(String.format(
                                    "virtio-vsock: sink received %d bytes cycles \\d+ MBps \\S+ crc32 0x%08x",
                                    data.length, crc(data)))
                            .matcher(console.toString())
                            .find(),
                    console.toString());
        }
    }

    @Test
    void portNobodyListensOnIsRefused() throws Exception {
        Probes.Console console = new Probes.Console();
        try (Vm vm = Vm.create(Probes.config("virtio-vsock", "op=refused port=6001")
                .memoryMib(64)
                .vsock(3, null)
                .consoleOutput(console)
                .build())) {
            vm.start();
            end(vm, console);
            assertTrue(console.toString().contains("virtio-vsock: port 6001 refused"), console.toString());
        }
    }

    @Test
    void bothDirectionsThroughTheHybridUnixSocket() throws Exception {
        Path sock = dir.resolve("v.sock");
        int bytes = 200_000;
        // Guest -> host: the probe's client reaches <sock>_6000, where this test echoes.
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(Path.of(sock + "_6000")));
            Probes.Console console = new Probes.Console();
            try (Vm vm = Vm.create(Probes.config("virtio-vsock", "op=client port=6000 bytes=" + bytes)
                    .memoryMib(64)
                    .vsock(3, sock)
                    .consoleOutput(console)
                    .build())) {
                vm.start();
                try (SocketChannel ch = server.accept()) {
                    byte[] got = Channels.newInputStream(ch).readAllBytes();
                    ch.write(ByteBuffer.wrap(got));
                    ch.shutdownOutput();
                    end(vm, console);
                    assertTrue(
                            console.toString()
                                    .contains(String.format(
                                            "virtio-vsock: client sent %d received %d crc32 0x%08x",
                                            bytes, bytes, crc(pattern(bytes, 7)))),
                            console.toString());
                }
            }
        }
        // Host -> guest: CONNECT through the socket to the probe's echo server.
        Probes.Console console = new Probes.Console();
        try (Vm vm = Vm.create(Probes.config("virtio-vsock", "op=echo-server port=5000")
                .memoryMib(64)
                .vsock(3, sock)
                .consoleOutput(console)
                .build())) {
            vm.start();
            assertTrue(console.await("virtio-vsock: listening on 5000", 20_000), console.toString());
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
                ch.write(ByteBuffer.wrap("CONNECT 5000\n".getBytes(StandardCharsets.US_ASCII)));
                InputStream in = Channels.newInputStream(ch);
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                int c;
                while ((c = in.read()) != '\n' && c >= 0) line.write(c);
                assertTrue(line.toString(StandardCharsets.US_ASCII).matches("OK \\d+"), line.toString());
                byte[] data = pattern(bytes, 11);
                CompletableFuture<byte[]> back = CompletableFuture.supplyAsync(() -> {
                    try {
                        return in.readAllBytes();
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                ch.write(ByteBuffer.wrap(data));
                ch.shutdownOutput();
                assertArrayEquals(data, back.get(30, TimeUnit.SECONDS));
            }
            end(vm, console);
        }
    }
}
