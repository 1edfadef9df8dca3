package io.jvmm.runtime.pod;

import io.jvmm.agent.AgentClient;
import io.jvmm.agent.AgentException;
import io.jvmm.agent.ContainerAttach;
import io.jvmm.agent.ContainerLimits;
import io.jvmm.agent.ContainerSpec;
import io.jvmm.agent.ContainerStatus;
import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecResult;
import io.jvmm.agent.ExecSession;
import io.jvmm.agent.GuestProcess;
import io.jvmm.runtime.EngineException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/** jvmm's guest agent, reached over vsock through the pod's VM process ({@link AgentClient}). */
public final class VsockAgent implements Agent {
    private final AgentClient client;
    private final String pod;

    /** The agent {@code client} reaches, in the pod named {@code pod} (for messages). */
    public VsockAgent(AgentClient client, String pod) {
        this.client = client;
        this.pod = pod;
    }

    @Override
    public String describe() {
        return "jvmm-agent";
    }

    @Override
    public void createContainer(ContainerSpec spec) throws InterruptedException {
        call("create container " + spec.id(), () -> {
            client.createContainer(spec);
            return null;
        });
    }

    @Override
    public long startContainer(String id) throws InterruptedException {
        return call("start container " + id, () -> client.startContainer(id));
    }

    @Override
    public void signalContainer(String id, int signo) throws InterruptedException {
        call("signal container " + id, () -> {
            client.signalContainer(id, signo);
            return null;
        });
    }

    @Override
    public ContainerStatus containerStatus(String id) throws InterruptedException {
        return call("status of container " + id, () -> client.containerStatus(id));
    }

    @Override
    public ContainerStatus awaitContainer(String id) throws InterruptedException {
        return call("wait for container " + id, () -> client.awaitContainer(id));
    }

    @Override
    public void deleteContainer(String id, boolean force) throws InterruptedException {
        call("delete container " + id, () -> {
            client.deleteContainer(id, force);
            return null;
        });
    }

    @Override
    public ContainerAttach attachContainer(String id) throws InterruptedException {
        return call("attach to container " + id, () -> client.attachContainer(id));
    }

    @Override
    public void containerLogs(String id, boolean follow, OutputStream stdout, OutputStream stderr)
            throws InterruptedException {
        call("logs of container " + id, () -> {
            client.containerLogs(id, follow, stdout, stderr);
            return null;
        });
    }

    @Override
    public void followNewOutput(String id, Runnable following, OutputStream stdout, OutputStream stderr)
            throws InterruptedException {
        call("output of container " + id, () -> {
            client.followNewOutput(id, following, stdout, stderr);
            return null;
        });
    }

    @Override
    public List<String> listContainers() throws InterruptedException {
        return call("list containers", client::listContainers);
    }

    @Override
    public void updateContainer(String id, ContainerLimits limits) throws InterruptedException {
        call("update of container " + id, () -> {
            client.updateContainer(id, limits);
            return null;
        });
    }

    @Override
    public Map<String, Long> containerStats(String id) throws InterruptedException {
        return call("stats of container " + id, () -> client.containerStats(id));
    }

    @Override
    public ExecSession start(ExecRequest req, OutputStream stdout, OutputStream stderr) throws InterruptedException {
        return call("exec " + req.argv().getFirst(), () -> client.start(req, stdout, stderr));
    }

    @Override
    public ExecResult run(ExecRequest req, byte[] stdin) throws InterruptedException {
        return call("exec " + req.argv().getFirst(), () -> client.run(req, stdin));
    }

    @Override
    public long copyIn(InputStream data, String path, int mode, String container) throws InterruptedException {
        return call("copy to " + path, () -> client.copyIn(data, path, mode, container));
    }

    @Override
    public long copyOut(String path, OutputStream out, String container) throws InterruptedException {
        return call("copy from " + path, () -> client.copyOut(path, out, container));
    }

    @Override
    public List<GuestProcess> ps(String container) throws InterruptedException {
        return call("top " + container, () -> client.ps(container));
    }

    private interface Call<T> {
        T run() throws IOException, InterruptedException;
    }

    /** The agent's own refusals are the user's to fix or see; a broken connection is the pod's failure. */
    private <T> T call(String what, Call<T> c) throws InterruptedException {
        try {
            return c.run();
        } catch (AgentException e) {
            // 126/127: a program that cannot run or is not found, which a front-end reports as its own status
            int status = e.code() == 126 || e.code() == 127 ? e.code() : EngineException.RUNTIME;
            throw new EngineException(status, what + " in pod " + pod + ": " + e.getMessage());
        } catch (IOException e) {
            throw EngineException.runtime(what + " in pod " + pod + ": the agent cannot be reached: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw EngineException.usage(what + " in pod " + pod + ": " + e.getMessage());
        }
    }
}
