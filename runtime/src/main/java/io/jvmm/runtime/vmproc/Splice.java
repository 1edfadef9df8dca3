package io.jvmm.runtime.vmproc;

import io.jvmm.agent.AgentChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** Copies bytes both ways between a control connection and an agent connection, passing half-closes on. */
final class Splice {
    interface Shutdown {
        void run() throws IOException;
    }

    private Splice() {}

    /** Returns when both directions have ended; closes the agent channel. */
    static void run(InputStream clientIn, OutputStream clientOut, Shutdown clientShutdownOutput, AgentChannel agent)
            throws InterruptedException {
        Thread up = Thread.ofPlatform().daemon().name("vm-control-splice").start(() -> {
            try {
                clientIn.transferTo(agent.output());
                agent.output().flush();
            } catch (IOException ignored) {
                // The client went away: the agent sees the end of input below.
            }
            try {
                agent.shutdownOutput();
            } catch (IOException ignored) {
                // Already closed by the agent.
            }
        });
        try {
            agent.input().transferTo(clientOut);
            clientOut.flush();
        } catch (IOException ignored) {
            // Either side closed; the other direction ends on its own.
        }
        try {
            clientShutdownOutput.run();
        } catch (IOException ignored) {
            // The client is gone.
        }
        up.join(5_000);
        try {
            agent.close();
        } catch (IOException ignored) {
            // Nothing left to release.
        }
        up.interrupt();
    }
}
