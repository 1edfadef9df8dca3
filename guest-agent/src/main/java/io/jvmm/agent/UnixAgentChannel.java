package io.jvmm.agent;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Objects;

/** An {@link AgentChannel} over a connected stream {@link SocketChannel} (Unix domain in tests). */
public final class UnixAgentChannel implements AgentChannel {
    private final SocketChannel ch;
    private final InputStream in;
    private final OutputStream out;

    private UnixAgentChannel(SocketChannel ch) {
        this.ch = ch;
        // Our own streams rather than Channels.newInputStream/newOutputStream: those synchronize on
        // the channel's blocking lock, so a pump thread blocked in read() could stall a writer.
        this.in = new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) return 0;
                return ch.read(ByteBuffer.wrap(b, off, len));
            }
        };
        this.out = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) ch.write(buf);
            }
        };
    }

    /** Connects to the agent's Unix socket (test mode). */
    public static UnixAgentChannel connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return new UnixAgentChannel(ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Wraps an already connected blocking channel, e.g. one accepted from the readiness socket. */
    public static UnixAgentChannel of(SocketChannel ch) {
        if (!ch.isBlocking()) throw new IllegalArgumentException("the channel must be in blocking mode");
        if (!ch.isConnected()) throw new IllegalArgumentException("the channel is not connected");
        return new UnixAgentChannel(ch);
    }

    @Override
    public InputStream input() {
        return in;
    }

    @Override
    public OutputStream output() {
        return out;
    }

    @Override
    public void shutdownOutput() throws IOException {
        ch.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
