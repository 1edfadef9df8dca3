package io.jvmm.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** COPY_OUT from a guest that lies about the size: the host takes at most what was announced, and no less. */
class CopyOutBoundTest {
    @TempDir
    Path dir;

    /** A one-shot agent that answers COPY_OUT with STAT(size) and then {@code chunks} as DATA frames. */
    private AgentClient lyingAgent(long size, byte[]... chunks) throws Exception {
        Path sock = dir.resolve("agent-" + System.nanoTime() + ".sock");
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(sock));
        Thread.ofPlatform().daemon().start(() -> {
            try (server;
                    SocketChannel c = server.accept()) {
                InputStream in = Channels.newInputStream(c);
                OutputStream out = Channels.newOutputStream(c);
                Frame request = FrameCodec.read(in);
                assertEquals(AgentProtocol.COPY_OUT, request.type());
                FrameCodec.write(
                        out, new Payload.Writer().u32(0100644).u64(size).frame(AgentProtocol.STAT));
                for (byte[] chunk : chunks) FrameCodec.write(out, AgentProtocol.DATA, chunk);
                FrameCodec.write(out, AgentProtocol.DATA, new byte[0]);
            } catch (Exception e) {
                // the client hung up after refusing
            }
        });
        return AgentClient.unix(sock);
    }

    @Test
    void moreThanAnnouncedIsRefusedBeforeItIsWritten() throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        AgentProtocolException e = assertThrows(
                AgentProtocolException.class,
                () -> lyingAgent(6, "abcd".getBytes(), "efgh".getBytes()).copyOut("/f", got));
        assertTrue(e.getMessage().contains("more than the 6 bytes it announced"), e.getMessage());
        assertEquals("abcd", got.toString(), "nothing past the announced size reaches the host");
    }

    @Test
    void lessThanAnnouncedIsNoCopy() throws Exception {
        AgentProtocolException e = assertThrows(
                AgentProtocolException.class,
                () -> lyingAgent(10, "abcd".getBytes()).copyOut("/f", OutputStream.nullOutputStream()));
        assertTrue(e.getMessage().contains("sent 4 of the 10 bytes"), e.getMessage());
    }

    @Test
    void exactlyAnnouncedIsCopied() throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertEquals(8, lyingAgent(8, "abcd".getBytes(), "efgh".getBytes()).copyOut("/f", got));
        assertArrayEquals("abcdefgh".getBytes(), got.toByteArray());
    }
}
