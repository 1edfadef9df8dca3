package io.jvmm.agent;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One stream connection to the agent (a vsock or Unix socket). Reading and writing may happen
 * concurrently from two threads; {@link #close()} unblocks both.
 */
public interface AgentChannel extends Closeable {
    InputStream input();

    OutputStream output();

    /** Half-closes: the agent reads EOF (end of input for an exec) but can still answer. */
    void shutdownOutput() throws IOException;
}
