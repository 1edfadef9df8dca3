package io.jvmm.runtime.pod;

import io.jvmm.agent.ContainerAttach;
import io.jvmm.agent.ContainerLimits;
import io.jvmm.agent.ContainerSpec;
import io.jvmm.agent.ContainerStatus;
import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecResult;
import io.jvmm.agent.ExecSession;
import io.jvmm.agent.GuestProcess;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/**
 * The agent in a pod's VM, as the engine uses it: containers and programs in the guest. Errors are
 * one-line {@link io.jvmm.runtime.EngineException}s naming the operation; {@link VsockAgent} is jvmm's
 * guest agent over vsock.
 */
public interface Agent {
    /** The agent's name and protocol, for a pod's status ({@code jvmm-agent/2}). */
    String describe();

    /** Prepares a container (root, namespaces, cgroup); nothing of it runs yet. */
    void createContainer(ContainerSpec spec) throws InterruptedException;

    /** Runs a created container's program; returns its pid in the pod. */
    long startContainer(String id) throws InterruptedException;

    /** Sends {@code signo} to the container's init. */
    void signalContainer(String id, int signo) throws InterruptedException;

    ContainerStatus containerStatus(String id) throws InterruptedException;

    /** Waits until the container has exited. */
    ContainerStatus awaitContainer(String id) throws InterruptedException;

    /** Removes the container from the guest; a running one only with {@code force} (killed). */
    void deleteContainer(String id, boolean force) throws InterruptedException;

    /** Attaches to the init's terminal or stdin ({@link ContainerAttach}); the caller closes it. */
    ContainerAttach attachContainer(String id) throws InterruptedException;

    /** Copies the container's output so far (with {@code follow}: until it exits). */
    void containerLogs(String id, boolean follow, OutputStream stdout, OutputStream stderr) throws InterruptedException;

    /**
     * Copies the output the container writes from now on, until it exits (an attach's view); {@code
     * following} runs once "now" is fixed.
     */
    void followNewOutput(String id, Runnable following, OutputStream stdout, OutputStream stderr)
            throws InterruptedException;

    /** The ids of the containers the guest has. */
    List<String> listContainers() throws InterruptedException;

    /** Sets every cgroup limit of a created or running container (0: unlimited). */
    void updateContainer(String id, ContainerLimits limits) throws InterruptedException;

    /** The container's cgroup figures by key, as the guest has them; empty when it has no group. */
    Map<String, Long> containerStats(String id) throws InterruptedException;

    /** Starts a program (in a container when the request names one); its output streams to the sinks. */
    ExecSession start(ExecRequest req, OutputStream stdout, OutputStream stderr) throws InterruptedException;

    /** Runs a program to completion, feeding {@code stdin} (null: none). */
    ExecResult run(ExecRequest req, byte[] stdin) throws InterruptedException;

    /** Writes {@code data} to the file {@code path} in container {@code container}'s root ({@code ""}: the pod's); returns the bytes. */
    long copyIn(InputStream data, String path, int mode, String container) throws InterruptedException;

    /** Copies the regular file {@code path} of container {@code container} ({@code ""}: the pod's) to {@code out}. */
    long copyOut(String path, OutputStream out, String container) throws InterruptedException;

    /** The processes of container {@code container} (its PID namespace's). */
    List<GuestProcess> ps(String container) throws InterruptedException;
}
