package io.jvmm.core.backend.vsock;

import static io.jvmm.virtio.vsock.VsockHeader.*;
import static org.junit.jupiter.api.Assertions.*;

import io.jvmm.core.ConfigException;
import io.jvmm.virtio.vsock.GuestVsock;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The hybrid Unix-socket protocol against the vsock device, with a Java guest driver (no KVM). */
class HybridVsockSocketTest {
    @TempDir
    Path dir;

    private final GuestVsock guest = new GuestVsock(64);
    private HybridVsockSocket hybrid;

    @AfterEach
    void close() {
        if (hybrid != null) hybrid.close();
        guest.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String readLine(SocketChannel ch) throws IOException {
        StringBuilder b = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (true) {
            one.clear();
            if (ch.read(one) < 0) return b.length() == 0 ? null : b.toString();
            char c = (char) one.get(0);
            if (c == '\n') return b.toString();
            b.append(c);
        }
    }

    private static byte[] read(SocketChannel ch, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) if (ch.read(b) < 0) break;
        return Arrays.copyOf(b.array(), b.position());
    }

    @Test
    void hostConnectsThroughTheSocket() throws Exception {
        Path sock = dir.resolve("v.sock");
        hybrid = HybridVsockSocket.open("vsock.uds_path", sock, guest.device);
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            ch.write(ByteBuffer.wrap(bytes("CONNECT 5000\n")));
            GuestVsock.Packet req = guest.receive(2000);
            assertEquals(OP_REQUEST, req.header().op());
            assertEquals(5000, req.header().dstPort());
            int hostPort = req.header().srcPort();
            guest.send(guest.header(5000, hostPort, OP_RESPONSE, 0, 0), new byte[0]);
            assertEquals("OK " + hostPort, readLine(ch));
            ch.write(ByteBuffer.wrap(bytes("to guest")));
            assertArrayEquals(
                    bytes("to guest"), guest.receiveIgnoringCredit(2000).payload());
            guest.send(guest.header(5000, hostPort, OP_RW, 0, 8), bytes("to host!"));
            assertArrayEquals(bytes("to host!"), read(ch, 8));
            // The host half-closes: the guest gets SHUTDOWN(SEND).
            ch.shutdownOutput();
            GuestVsock.Packet sd = guest.receiveIgnoringCredit(2000);
            assertEquals(OP_SHUTDOWN, sd.header().op());
            assertEquals(SHUTDOWN_SEND, sd.header().flags());
            // The guest closes: the host reads end of stream.
            guest.send(guest.header(5000, hostPort, OP_SHUTDOWN, SHUTDOWN_RCV | SHUTDOWN_SEND, 0), new byte[0]);
            assertEquals(0, read(ch, 1).length);
        }
    }

    @Test
    void refusedOrMalformedConnectClosesTheSocket() throws Exception {
        Path sock = dir.resolve("v.sock");
        hybrid = HybridVsockSocket.open("vsock.uds_path", sock, guest.device);
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            ch.write(ByteBuffer.wrap(bytes("CONNECT 5001\n")));
            GuestVsock.Packet req = guest.receive(2000);
            guest.send(5001, req.header().srcPort(), OP_RST);
            assertNull(readLine(ch), "closed without OK");
        }
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(sock))) {
            ch.write(ByteBuffer.wrap(bytes("HELLO 1\n")));
            assertNull(readLine(ch));
        }
        assertEquals(-1, HybridVsockSocket.parseConnect("CONNECT -3"));
        assertEquals(-1, HybridVsockSocket.parseConnect("CONNECT 99999999999"));
        assertEquals(52, HybridVsockSocket.parseConnect("CONNECT 52"));
    }

    @Test
    void guestConnectionsGoToThePortSocket() throws Exception {
        Path sock = dir.resolve("v.sock");
        hybrid = HybridVsockSocket.open("vsock.uds_path", sock, guest.device);
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(Path.of(sock + "_1024")));
            guest.send(6000, 1024, OP_REQUEST);
            assertEquals(OP_RESPONSE, guest.receive(2000).header().op());
            try (SocketChannel ch = server.accept()) {
                guest.send(guest.header(6000, 1024, OP_RW, 0, 5), bytes("hello"));
                assertArrayEquals(bytes("hello"), read(ch, 5));
                ch.write(ByteBuffer.wrap(bytes("back")));
                assertArrayEquals(
                        bytes("back"), guest.receiveIgnoringCredit(2000).payload());
            }
        }
        // Closing the host socket half-closed the stream toward the guest.
        GuestVsock.Packet sd = guest.receiveIgnoringCredit(2000);
        assertEquals(OP_SHUTDOWN, sd.header().op());
        assertEquals(6000, sd.header().dstPort());
        guest.send(6001, 1025, OP_REQUEST);
        GuestVsock.Packet rst = guest.receiveIgnoringCredit(2000);
        assertEquals(6001, rst.header().dstPort());
        assertEquals(OP_RST, rst.header().op(), "nobody listens on v.sock_1025");
    }

    @Test
    void socketFileIsOwnedAndRemoved() throws Exception {
        Path sock = dir.resolve("v.sock");
        hybrid = HybridVsockSocket.open("vsock.uds_path", sock, guest.device);
        assertTrue(Files.exists(sock));
        ConfigException e =
                assertThrows(ConfigException.class, () -> HybridVsockSocket.open("vsock.uds_path", sock, guest.device));
        assertTrue(e.getMessage().contains("already exists"), e.getMessage());
        hybrid.close();
        assertFalse(Files.exists(sock));
    }
}
