package io.jvmm.agent;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** The host side of the agent protocol. Every operation uses a connection of its own. */
public final class AgentClient {
    /** run() keeps at most this much of each output stream; the rest is discarded. */
    public static final int CAPTURE_LIMIT = 16 << 20;

    private final AgentConnector connector;

    public AgentClient(AgentConnector connector) {
        this.connector = Objects.requireNonNull(connector, "connector");
    }

    /** A client for an agent listening on a Unix socket (test mode). */
    public static AgentClient unix(Path socket) {
        return new AgentClient(() -> UnixAgentChannel.connect(socket));
    }

    /**
     * Starts a program. Returns after STARTED, or after ERROR and EXIT when it could not be started
     * (then {@link ExecSession#pid()} is -1 and waitFor() returns at once with the error set).
     */
    public ExecSession start(ExecRequest req, OutputStream stdoutSink, OutputStream stderrSink)
            throws IOException, InterruptedException {
        AgentChannel ch = connector.connect();
        boolean handedOver = false;
        try {
            FrameCodec.write(ch.output(), req.toFrame());
            Frame f = FrameCodec.readExpecting(ch.input(), "EXEC", AgentProtocol.STARTED, AgentProtocol.ERROR);
            if (f.type() == AgentProtocol.ERROR) {
                AgentException e = FrameCodec.error(f);
                Frame exit = FrameCodec.read(ch.input());
                // Without EXIT it was not about the program (e.g. EPROTO): report the error itself.
                if (exit == null) throw e;
                if (exit.type() != AgentProtocol.EXIT)
                    throw new AgentProtocolException("expected EXIT after ERROR, got " + exit);
                Payload.Reader r = new Payload.Reader(exit);
                int code = r.i32(), sig = r.i32();
                r.end();
                return ExecSession.failed(new ExecResult(code, sig, e.getMessage(), null, null));
            }
            Payload.Reader r = new Payload.Reader(f);
            int pid = r.u32();
            r.end();
            ExecSession s = ExecSession.started(ch, pid, req.stdin(), stdoutSink, stderrSink);
            handedOver = true;
            return s;
        } finally {
            if (!handedOver) ch.close();
        }
    }

    public ExecResult run(String... argv) throws IOException, InterruptedException {
        return run(ExecRequest.of(argv), null);
    }

    /** Runs to completion, feeding {@code stdin} (null: none) and capturing up to 16 MiB of each output. */
    public ExecResult run(ExecRequest req, byte[] stdin) throws IOException, InterruptedException {
        CappedBuffer out = new CappedBuffer(), err = new CappedBuffer();
        try (ExecSession s = start(req.withStdin(stdin != null), out, err)) {
            if (stdin != null && s.pid() >= 0) {
                try (OutputStream in = s.stdin()) {
                    in.write(stdin);
                } catch (IOException e) {
                    // The program may exit without reading all of its input; waitFor tells what happened.
                }
            }
            return s.waitFor().withOutput(out.toByteArray(), err.toByteArray());
        }
    }

    /** Writes {@code data} to {@code guestPath} (atomically: temp file + rename); returns the bytes written. */
    public long copyIn(InputStream data, String guestPath, int mode) throws IOException, InterruptedException {
        return copyIn(data, guestPath, mode, "");
    }

    /**
     * {@link #copyIn(InputStream, String, int)} with {@code guestPath} in the root of container
     * {@code container} ({@code ""}: the pod's own).
     */
    public long copyIn(InputStream data, String guestPath, int mode, String container)
            throws IOException, InterruptedException {
        checkPath(guestPath);
        try (AgentChannel ch = connector.connect()) {
            OutputStream out = ch.output();
            try {
                Payload.Writer w = new Payload.Writer().str(guestPath).u32(mode & 07777);
                if (!container.isEmpty()) w.str(checkedContainer(container));
                FrameCodec.write(out, w.frame(AgentProtocol.COPY_IN));
                byte[] buf = new byte[AgentProtocol.DATA_CHUNK];
                for (int n; (n = data.readNBytes(buf, 0, buf.length)) > 0; )
                    FrameCodec.write(out, AgentProtocol.DATA, buf, 0, n);
                FrameCodec.write(out, AgentProtocol.DATA, new byte[0]);
            } catch (IOException e) {
                // The agent may have answered (and closed) already; its ERROR says more than EPIPE.
                Frame f = tryRead(ch);
                if (f != null && f.type() == AgentProtocol.ERROR) throw FrameCodec.error(f);
                throw e;
            }
            Frame f = FrameCodec.readExpecting(ch.input(), "COPY_IN", AgentProtocol.OK, AgentProtocol.ERROR);
            if (f.type() == AgentProtocol.ERROR) throw FrameCodec.error(f);
            Payload.Reader r = new Payload.Reader(f);
            long n = r.u64();
            r.end();
            return n;
        }
    }

    private static String checkedContainer(String id) {
        ContainerSpec.checkId(id);
        return id;
    }

    private static Frame tryRead(AgentChannel ch) {
        try {
            return FrameCodec.read(ch.input());
        } catch (IOException e) {
            return null;
        }
    }

    /** Copies the regular file {@code guestPath} to {@code out}; returns the number of bytes. */
    public long copyOut(String guestPath, OutputStream out) throws IOException, InterruptedException {
        return copyOut(guestPath, out, "");
    }

    /** {@link #copyOut(String, OutputStream)} from the root of container {@code container} ({@code ""}: the pod's own). */
    public long copyOut(String guestPath, OutputStream out, String container) throws IOException, InterruptedException {
        checkPath(guestPath);
        try (AgentChannel ch = connector.connect()) {
            Payload.Writer w = new Payload.Writer().str(guestPath);
            if (!container.isEmpty()) w.str(checkedContainer(container));
            FrameCodec.write(ch.output(), w.frame(AgentProtocol.COPY_OUT));
            Frame f = FrameCodec.readExpecting(ch.input(), "COPY_OUT", AgentProtocol.STAT, AgentProtocol.ERROR);
            if (f.type() == AgentProtocol.ERROR) throw FrameCodec.error(f);
            Payload.Reader r = new Payload.Reader(f);
            r.u32L();
            long size = r.u64();
            r.end();
            // The guest said how much it sends: no more reaches the host's disk, and less is no copy.
            long total = 0;
            for (; ; ) {
                f = FrameCodec.readExpecting(ch.input(), "COPY_OUT", AgentProtocol.DATA, AgentProtocol.ERROR);
                if (f.type() == AgentProtocol.ERROR) throw FrameCodec.error(f);
                if (f.payload().length == 0) {
                    if (total != size)
                        throw new AgentProtocolException("copy out " + guestPath + ": the guest sent " + total
                                + " of the " + size + " bytes it announced");
                    return total;
                }
                if (f.payload().length > size - total) {
                    throw new AgentProtocolException(
                            "copy out " + guestPath + ": the guest sent more than the " + size + " bytes it announced");
                }
                out.write(f.payload());
                total += f.payload().length;
            }
        }
    }

    /** Asks the agent to stop everything and end the VM (or namespace); returns once it acknowledged. */
    public void poweroff(Duration grace) throws IOException, InterruptedException {
        long ms = Math.clamp(grace.toMillis(), 0L, 0xffffffffL);
        simple(new Payload.Writer().u32(ms).frame(AgentProtocol.POWEROFF), "POWEROFF");
    }

    public void ping() throws IOException, InterruptedException {
        simple(new Frame(AgentProtocol.PING, new byte[0]), "PING");
    }

    /** The guest's processes (not the agent's own, nor kernel threads), as the agent read them from /proc. */
    public List<GuestProcess> ps() throws IOException, InterruptedException {
        return ps(null);
    }

    /**
     * The processes of container {@code container} (those in its PID namespace; null: the whole guest's),
     * as {@link #ps()}; an {@link AgentException} when there is no such container or it has exited.
     */
    public List<GuestProcess> ps(String container) throws IOException, InterruptedException {
        byte[] payload = container == null
                ? new byte[0]
                : new Payload.Writer().str(container).toByteArray();
        try (AgentChannel ch = connector.connect()) {
            FrameCodec.write(ch.output(), new Frame(AgentProtocol.PS, payload));
            Frame f = FrameCodec.readExpecting(ch.input(), "PS", AgentProtocol.OK, AgentProtocol.ERROR);
            if (f.type() == AgentProtocol.ERROR) throw FrameCodec.error(f);
            return GuestProcess.parseAll(f);
        } catch (EOFException e) {
            throw new EOFException("agent closed the connection before answering PS");
        }
    }

    /**
     * Creates a container: its root is mounted and its init waits in fresh namespaces, but nothing
     * of it runs until {@link #startContainer}. Needs an agent of protocol 2.
     */
    public void createContainer(ContainerSpec spec) throws IOException, InterruptedException {
        simple(spec.toFrame(), "CONTAINER_CREATE");
    }

    /**
     * Starts a created container's program; returns its pid in the pod. An {@link AgentException}
     * with code 126/127 says it could not be started (the container has then exited with that code).
     */
    public long startContainer(String id) throws IOException, InterruptedException {
        Payload.Reader r = new Payload.Reader(
                request(containerFrame(AgentProtocol.CONTAINER_START, id, -1), "CONTAINER_START", AgentProtocol.OK));
        long pid = r.u32L();
        r.end();
        return pid;
    }

    /** Sends {@code signo} to the container's init (which, as a PID 1, ignores signals it has no handler for, except SIGKILL). */
    public void signalContainer(String id, int signo) throws IOException, InterruptedException {
        if (signo < 1 || signo > 64) throw new IllegalArgumentException("signal number out of range 1..64: " + signo);
        simple(containerFrame(AgentProtocol.CONTAINER_SIGNAL, id, signo), "CONTAINER_SIGNAL");
    }

    public ContainerStatus containerStatus(String id) throws IOException, InterruptedException {
        return ContainerStatus.read(request(
                containerFrame(AgentProtocol.CONTAINER_WAIT, id, 0), "CONTAINER_WAIT", AgentProtocol.CONTAINER_STATUS));
    }

    /** Waits until the container has exited (its output is all in its log by then). */
    public ContainerStatus awaitContainer(String id) throws IOException, InterruptedException {
        return ContainerStatus.read(request(
                containerFrame(AgentProtocol.CONTAINER_WAIT, id, AgentProtocol.WAIT_BLOCK),
                "CONTAINER_WAIT",
                AgentProtocol.CONTAINER_STATUS));
    }

    /**
     * Removes the container: its processes (killed when {@code force}; a running one is refused
     * otherwise), mounts, cgroup and log.
     */
    public void deleteContainer(String id, boolean force) throws IOException, InterruptedException {
        simple(
                containerFrame(AgentProtocol.CONTAINER_DELETE, id, force ? AgentProtocol.DELETE_FORCE : 0),
                "CONTAINER_DELETE");
    }

    /**
     * Attaches to a created or running container's init: its terminal, or its stdin when created with
     * {@link ContainerSpec.Builder#stdin}. Refused (an {@link AgentException}) for one that has exited, has
     * neither, or is already attached.
     */
    public ContainerAttach attachContainer(String id) throws IOException, InterruptedException {
        Frame req = containerFrame(AgentProtocol.CONTAINER_ATTACH, id, -1);
        AgentChannel ch = connector.connect();
        try {
            FrameCodec.write(ch.output(), req);
            Frame f = FrameCodec.readExpecting(ch.input(), "CONTAINER_ATTACH", AgentProtocol.OK, AgentProtocol.ERROR);
            if (f.type() == AgentProtocol.ERROR) throw FrameCodec.error(f);
            if (f.payload().length != 0) throw new AgentProtocolException("OK to CONTAINER_ATTACH must be empty");
            return new ContainerAttach(ch, id);
        } catch (EOFException e) {
            ch.close();
            throw new EOFException("agent closed the connection before answering CONTAINER_ATTACH");
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /**
     * Copies the container's output so far to the sinks (stdout also carries a terminal's output);
     * with {@code follow}, goes on until the container has exited.
     */
    public void containerLogs(String id, boolean follow, OutputStream stdout, OutputStream stderr)
            throws IOException, InterruptedException {
        logs(id, follow ? AgentProtocol.LOGS_FOLLOW : 0, null, stdout, stderr);
    }

    /**
     * Copies the output the container writes from now on to the sinks, until it has exited: what an
     * attach shows, without what was written before. {@code following} runs once the agent has found
     * where "now" is: input sent after that has all its output here.
     */
    public void followNewOutput(String id, Runnable following, OutputStream stdout, OutputStream stderr)
            throws IOException, InterruptedException {
        logs(id, AgentProtocol.LOGS_FOLLOW | AgentProtocol.LOGS_NEW, following, stdout, stderr);
    }

    private void logs(String id, int flags, Runnable following, OutputStream stdout, OutputStream stderr)
            throws IOException, InterruptedException {
        Frame req = containerFrame(AgentProtocol.CONTAINER_LOGS, id, flags);
        try (AgentChannel ch = connector.connect()) {
            FrameCodec.write(ch.output(), req);
            if (following != null) {
                Frame f = FrameCodec.readExpecting(
                        ch.input(), "CONTAINER_LOGS", AgentProtocol.STDOUT, AgentProtocol.ERROR);
                if (f.type() == AgentProtocol.ERROR) throw FrameCodec.error(f);
                if (f.payload().length != 0)
                    throw new AgentProtocolException("CONTAINER_LOGS with NEW must start with an empty STDOUT");
                following.run();
            }
            for (; ; ) {
                Frame f = FrameCodec.readExpecting(
                        ch.input(),
                        "CONTAINER_LOGS",
                        AgentProtocol.STDOUT,
                        AgentProtocol.STDERR,
                        AgentProtocol.OK,
                        AgentProtocol.ERROR);
                switch (f.type()) {
                    case AgentProtocol.STDOUT -> stdout.write(f.payload());
                    case AgentProtocol.STDERR -> stderr.write(f.payload());
                    case AgentProtocol.ERROR -> throw FrameCodec.error(f);
                    default -> {
                        if (f.payload().length != 0)
                            throw new AgentProtocolException("OK to CONTAINER_LOGS must be empty");
                        return;
                    }
                }
            }
        }
    }

    /**
     * The container's cgroup v2 figures by key ({@code cpu.usage_usec}, {@code memory.current},
     * {@code memory.stat.anon}, {@code pids.current}...), as the guest's files have them; empty when it
     * has no group (test mode, or a kernel without cgroup v2).
     */
    public Map<String, Long> containerStats(String id) throws IOException, InterruptedException {
        Payload.Reader r = new Payload.Reader(
                request(containerFrame(AgentProtocol.CONTAINER_STATS, id, -1), "CONTAINER_STATS", AgentProtocol.OK));
        long n = r.u32L();
        if (n > MAX_STATS)
            throw new AgentProtocolException("CONTAINER_STATS answer has " + n + " figures, more than " + MAX_STATS);
        Map<String, Long> figures = new LinkedHashMap<>();
        for (long i = 0; i < n; i++) figures.put(r.str(), r.u64());
        r.end();
        return figures;
    }

    /**
     * Sets every cgroup limit of a running (or created) container to {@code limits}, 0 meaning
     * unlimited: a lower memory limit than it uses reclaims, then OOM-kills it, as on any Linux host.
     */
    public void updateContainer(String id, ContainerLimits limits) throws IOException, InterruptedException {
        ContainerSpec.checkId(id);
        Payload.Writer w = new Payload.Writer().str(id);
        limits.writeTo(w);
        simple(w.frame(AgentProtocol.CONTAINER_UPDATE), "CONTAINER_UPDATE");
    }

    /** The agent sends at most 128 figures (CG_STATS_MAX). */
    private static final int MAX_STATS = 128;

    /** The ids of the pod's containers, in no particular order. */
    public List<String> listContainers() throws IOException, InterruptedException {
        Payload.Reader r = new Payload.Reader(
                request(new Frame(AgentProtocol.CONTAINER_LIST, new byte[0]), "CONTAINER_LIST", AgentProtocol.OK));
        List<String> ids = r.strs();
        r.end();
        return ids;
    }

    /** A container request: the id, then a u32 argument unless {@code arg} is negative. */
    private static Frame containerFrame(int type, String id, long arg) {
        ContainerSpec.checkId(id);
        Payload.Writer w = new Payload.Writer().str(id);
        if (arg >= 0) w.u32(arg);
        return w.frame(type);
    }

    /** Sends one request and returns its one answer of type {@code expected}; ERROR is thrown. */
    private Frame request(Frame request, String what, int expected) throws IOException, InterruptedException {
        try (AgentChannel ch = connector.connect()) {
            FrameCodec.write(ch.output(), request);
            Frame f = FrameCodec.readExpecting(ch.input(), what, expected, AgentProtocol.ERROR);
            if (f.type() == AgentProtocol.ERROR) throw FrameCodec.error(f);
            return f;
        } catch (EOFException e) {
            throw new EOFException("agent closed the connection before answering " + what);
        }
    }

    private void simple(Frame request, String what) throws IOException, InterruptedException {
        try (AgentChannel ch = connector.connect()) {
            FrameCodec.write(ch.output(), request);
            Frame f = FrameCodec.readExpecting(ch.input(), what, AgentProtocol.OK, AgentProtocol.ERROR);
            if (f.type() == AgentProtocol.ERROR) throw FrameCodec.error(f);
            if (f.payload().length != 0) throw new AgentProtocolException("OK to " + what + " must be empty");
        } catch (EOFException e) {
            throw new EOFException("agent closed the connection before answering " + what);
        }
    }

    private static void checkPath(String p) {
        if (!p.startsWith("/")) throw new IllegalArgumentException("guest path must be absolute: " + p);
        if (p.indexOf('\0') >= 0) throw new IllegalArgumentException("guest path contains a NUL character");
    }

    /** Keeps the first {@link #CAPTURE_LIMIT} bytes. */
    private static final class CappedBuffer extends ByteArrayOutputStream {
        @Override
        public synchronized void write(byte[] b, int off, int len) {
            super.write(b, off, Math.max(0, Math.min(len, CAPTURE_LIMIT - count)));
        }

        @Override
        public synchronized void write(int b) {
            if (count < CAPTURE_LIMIT) super.write(b);
        }
    }
}
