package io.jvmm.runtime.pod;

import io.jvmm.agent.ContainerStatus;
import io.jvmm.runtime.EngineException;
import java.util.ArrayList;
import java.util.List;

/**
 * docker's stop for containers of one pod: SIGTERM to each init, then SIGKILL to those still running
 * after the grace period. The grace periods run together, so stopping a pod takes one of them, not one
 * per container.
 */
final class ContainerStop {
    static final int SIGKILL = 9;
    static final int SIGTERM = 15;
    /** How often the states are read while waiting: each read is one request to the agent. */
    private static final long POLL_MILLIS = 100;

    private ContainerStop() {}

    /** Stops {@code containers} and records how each ended. */
    static void all(Agent agent, List<Container> containers, int graceSeconds) throws InterruptedException {
        List<Container> left = new ArrayList<>();
        for (Container c : containers) {
            try {
                agent.signalContainer(c.name(), SIGTERM);
                left.add(c);
            } catch (EngineException e) {
                // exited meanwhile: its state says so
            }
        }
        long deadline = System.nanoTime() + graceSeconds * 1_000_000_000L;
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            left.removeIf(c -> exited(agent, c));
            if (!left.isEmpty()) Thread.sleep(POLL_MILLIS);
        }
        for (Container c : left) {
            try {
                agent.signalContainer(c.name(), SIGKILL);
            } catch (EngineException e) {
                // exited meanwhile
            }
        }
        for (Container c : containers) c.record(agent.awaitContainer(c.name()));
    }

    private static boolean exited(Agent agent, Container c) {
        try {
            return agent.containerStatus(c.name()).state() == ContainerStatus.State.EXITED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }
}
