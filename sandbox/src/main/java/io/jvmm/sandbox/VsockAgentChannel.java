package io.jvmm.sandbox;

import io.jvmm.agent.AgentChannel;
import io.jvmm.virtio.vsock.VsockStream;
import java.io.InputStream;
import java.io.OutputStream;

/** The agent protocol over one in-process vsock stream (no sockets on the host side). */
final class VsockAgentChannel implements AgentChannel {
    private final VsockStream stream;

    VsockAgentChannel(VsockStream stream) {
        this.stream = stream;
    }

    @Override
    public InputStream input() {
        return stream.input();
    }

    @Override
    public OutputStream output() {
        return stream.output();
    }

    @Override
    public void shutdownOutput() {
        stream.shutdownOutput();
    }

    @Override
    public void close() {
        stream.close();
    }
}
