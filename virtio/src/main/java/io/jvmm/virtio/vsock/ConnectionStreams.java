package io.jvmm.virtio.vsock;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A connection's host side as java.io streams: they only adapt, the blocking and the credit
 * accounting are {@link VsockConnection#read} and {@link VsockConnection#write}. Closing the input
 * closes the connection, closing the output shuts down the host's sending side, as a socket's do.
 */
final class ConnectionStreams {
    static InputStream input(VsockConnection c) {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                int n = c.read(b, 0, 1);
                return n < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return c.read(b, off, len);
            }

            @Override
            public int available() {
                return c.available();
            }

            @Override
            public void close() {
                c.close();
            }
        };
    }

    static OutputStream output(VsockConnection c) {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                c.write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                c.write(b, off, len);
            }

            @Override
            public void close() {
                c.shutdownOutput();
            }
        };
    }

    private ConnectionStreams() {}
}
