package io.jvmm.runtime.vmproc;

import io.jvmm.agent.AgentChannel;
import io.jvmm.agent.AgentClient;
import io.jvmm.agent.AgentConnector;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The client side of a VM process's control socket (see {@link ControlProtocol}). */
public final class ControlClient {
    private final Path socket;

    public ControlClient(Path socket) {
        this.socket = socket;
    }

    /** An open control connection after an {@code OK} answer. */
    public static final class Connection implements AgentChannel {
        private final SocketChannel ch;
        private final InputStream in;
        private final OutputStream out;
        /** The rest of the OK line (e.g. STATUS's state). */
        public final String detail;

        Connection(SocketChannel ch, InputStream in, OutputStream out, String detail) {
            this.ch = ch;
            this.in = in;
            this.out = out;
            this.detail = detail;
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

    /** Sends {@code request}; throws IOException with the server's message on {@code ERR}. */
    public Connection request(String request) throws IOException {
        SocketChannel ch;
        try {
            ch = SocketChannel.open(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            throw new IOException("cannot reach the VM process (" + socket + "): " + e.getMessage(), e);
        }
        try {
            InputStream in = Channels.newInputStream(ch);
            OutputStream out = Channels.newOutputStream(ch);
            out.write((request + "\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String line = ControlServer.readLine(in);
            if (line == null) throw new IOException("the VM process closed the control connection");
            if (line.startsWith("ERR"))
                throw new IOException(line.length() > 4 ? line.substring(4) : "request refused");
            if (!line.startsWith("OK")) throw new IOException("unexpected answer from the VM process: " + line);
            return new Connection(ch, in, out, line.length() > 3 ? line.substring(3) : "");
        } catch (IOException e) {
            ch.close();
            throw e;
        }
    }

    /** Agent connections through the VM process, for {@link AgentClient}. */
    public AgentConnector agentConnector() {
        return () -> request(ControlProtocol.AGENT);
    }

    /** "starting" or "ready". */
    public String status() throws IOException {
        try (Connection c = request(ControlProtocol.STATUS)) {
            return c.detail.trim();
        }
    }
}
