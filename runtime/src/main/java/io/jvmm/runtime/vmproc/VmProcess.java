package io.jvmm.runtime.vmproc;

import io.jvmm.agent.AgentChannel;
import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecResult;
import io.jvmm.agent.ExecSession;
import io.jvmm.runtime.state.LogOptions;
import io.jvmm.runtime.state.RateLimitSpec;
import io.jvmm.sandbox.Sandbox;
import io.jvmm.sandbox.SandboxConfig;
import io.jvmm.sandbox.SandboxException;
import io.jvmm.virtio.ratelimit.RateLimit;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/**
 * One VM's life in its own process (or in the foreground {@code jvmm run}): boots the sandbox,
 * serves the control socket, runs the workload through the agent with its output kept as the VM's
 * logs, and powers the VM off when the workload ends or a stop is asked for.
 */
public final class VmProcess {
    /** Hears how the VM ended; the engine records it in the VM's state file. */
    @FunctionalInterface
    public interface Listener {
        /** The VM ended: the workload's exit code (null when there was none), or an error message. */
        void exited(Integer exitCode, String error);
    }

    /**
     * The workload: {@code argv} empty means none (the VM idles until stopped, for exec).
     * With a foreground terminal its output goes there too and {@code terminalIn} feeds its stdin.
     */
    public record Workload(
            List<String> argv,
            List<String> env,
            String cwd,
            String user,
            boolean tty,
            boolean interactive,
            OutputStream terminalOut,
            OutputStream terminalErr,
            InputStream terminalIn) {}

    private final SandboxConfig config;
    private final Workload workload;
    private final Path controlSocket;
    private final Path logFile;
    private final LogOptions logOptions;
    private final Listener listener;
    private final Path restoreFrom;
    private final List<AttachOutput> attached = new CopyOnWriteArrayList<>();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile Duration stopGrace = Duration.ofSeconds(10);
    private volatile Sandbox sandbox;
    private volatile ExecSession session;
    private volatile Runnable whenReady;
    /** Paused through the control socket (PAUSE); guarded by {@code this}, as snapshots are. */
    private boolean paused;

    /**
     * @param restoreFrom a snapshot directory to restore instead of booting, or null; a restored VM
     *                    goes on with the workload it had (its output from then on is not kept)
     */
    public VmProcess(
            SandboxConfig config,
            Workload workload,
            Path controlSocket,
            Path logFile,
            LogOptions logOptions,
            Listener listener,
            Path restoreFrom) {
        this.logOptions = logOptions;
        this.restoreFrom = restoreFrom;
        this.config = config;
        this.workload = workload;
        this.controlSocket = controlSocket;
        this.logFile = logFile;
        this.listener = listener;
    }

    /** Runs {@code action} once the guest's agent is ready, before the workload starts. */
    public void whenReady(Runnable action) {
        whenReady = action;
    }

    /** Runs the VM to its end; returns the workload's exit code (or 0 without one, 125 on a failure to start). */
    public int run() throws InterruptedException {
        try (WorkloadLog log = WorkloadLog.append(logFile, logOptions);
                ControlServer control = ControlServer.start(controlSocket, new Control(), config.name())) {
            try {
                sandbox = restoreFrom == null ? Sandbox.start(config) : Sandbox.restore(restoreFrom, config);
            } catch (SandboxException e) {
                listener.exited(null, e.getMessage());
                if (workload.terminalErr() != null)
                    workload.terminalErr().write(("jvmm: " + e.getMessage() + "\n").getBytes());
                return 125;
            }
            try (Sandbox s = sandbox) {
                if (whenReady != null) whenReady.run();
                Integer code = null;
                String error = null;
                if (!workload.argv().isEmpty() && restoreFrom == null) {
                    ExecResult r = runWorkload(s, log);
                    code = r.exitCode();
                    if (r.error() != null) error = r.error();
                } else {
                    stopRequested.await();
                }
                // Either the workload ended (power off now) or a stop is under way (wait for it).
                s.stop(stopGrace);
                listener.exited(code, error);
                return code == null ? 0 : code;
            }
        } catch (IOException e) {
            listener.exited(null, e.getMessage());
            return 125;
        }
    }

    private ExecResult runWorkload(Sandbox s, WorkloadLog log) throws IOException, InterruptedException {
        ExecRequest req = ExecRequest.of(workload.argv().toArray(String[]::new))
                .withEnv(workload.env())
                .withCwd(workload.cwd())
                .withUser(workload.user())
                .withTty(workload.tty())
                .withStdin(workload.interactive())
                .withWorkload(true);
        OutputStream out = new Fanout(log.stream(WorkloadLog.STDOUT), workload.terminalOut(), WorkloadLog.STDOUT);
        OutputStream err = new Fanout(log.stream(WorkloadLog.STDERR), workload.terminalErr(), WorkloadLog.STDERR);
        session = s.agent().start(req, out, err);
        if (workload.interactive() && workload.terminalIn() != null) {
            session.feedStdin(workload.terminalIn(), "workload-stdin");
        }
        Thread stopper = Thread.ofPlatform().daemon().name("workload-stop").start(() -> {
            try {
                stopRequested.await();
                // The agent's POWEROFF terminates the workload itself (SIGTERM, grace, SIGKILL).
                s.stop(stopGrace);
            } catch (InterruptedException ignored) {
                // The workload ended first.
            }
        });
        try {
            ExecResult r = session.waitFor();
            // A workload that never started says why, as docker run does: on the foreground
            // terminal, to attached clients and in the logs (the VM's state keeps it too).
            if (r.error() != null) err.write(("jvmm: " + r.error() + "\n").getBytes(StandardCharsets.UTF_8));
            return r;
        } catch (IOException e) {
            // The agent went away with the VM (a stop): report the stop, not a protocol error.
            return new ExecResult(137, 9, null, new byte[0], new byte[0]);
        } finally {
            stopper.interrupt();
        }
    }

    /** Writes each chunk to the log, the foreground terminal and every attached client (as log records). */
    private final class Fanout extends OutputStream {
        private final OutputStream log;
        private final OutputStream terminal;
        private final int stream;

        Fanout(OutputStream log, OutputStream terminal, int stream) {
            this.log = log;
            this.terminal = terminal;
            this.stream = stream;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            log.write(b, off, len);
            if (terminal != null) {
                terminal.write(b, off, len);
                terminal.flush();
            }
            if (attached.isEmpty()) return;
            byte[] records = WorkloadLog.records(stream, b, off, len);
            for (AttachOutput a : attached) {
                if (!a.offer(records)) attached.remove(a); // detached, or dropped for falling behind
            }
        }
    }

    private final class Control implements ControlServer.Handler {
        @Override
        public AgentChannel openAgent() throws IOException, InterruptedException {
            Sandbox s = sandbox;
            if (s == null) throw new IOException("the VM is still starting");
            synchronized (VmProcess.this) {
                if (paused) throw new IOException("the VM is paused; unpause it first");
            }
            return s.connectAgent();
        }

        @Override
        public void attach(InputStream in, OutputStream out) throws IOException {
            AttachOutput client = new AttachOutput(out, "attach-out");
            attached.add(client);
            try {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) >= 0) {
                    ExecSession sess = session;
                    if (sess != null && workload.interactive()) {
                        sess.stdin().write(buf, 0, n);
                        sess.stdin().flush();
                    }
                }
            } finally {
                attached.remove(client);
                client.close();
            }
        }

        @Override
        public void stop(Duration grace) {
            stopGrace = grace;
            synchronized (VmProcess.this) {
                // The agent powers the guest off: it must run for that.
                if (paused && sandbox != null) sandbox.resume();
                paused = false;
            }
            stopRequested.countDown();
        }

        @Override
        public String status() {
            if (sandbox == null) return "starting";
            synchronized (VmProcess.this) {
                return paused ? "paused" : "ready";
            }
        }

        @Override
        public void kill(int signo) throws IOException {
            ExecSession sess = session;
            if (sess == null) throw new IOException("the VM has no workload to signal");
            sess.signal(signo);
        }

        @Override
        public void pause(boolean pause) throws IOException, InterruptedException {
            Sandbox s = sandbox;
            if (s == null) throw new IOException("the VM is still starting");
            synchronized (VmProcess.this) {
                if (pause == paused) throw new IOException(pause ? "the VM is already paused" : "the VM is not paused");
                if (pause) s.vm().pause();
                else s.resume();
                paused = pause;
            }
        }

        @Override
        public void limit(String device, String spec) throws IOException {
            Sandbox s = sandbox;
            if (s == null) throw new IOException("the VM is still starting");
            RateLimit limit;
            try {
                limit = RateLimitSpec.parse(spec);
            } catch (IllegalArgumentException e) {
                throw new IOException(device + " limit: " + e.getMessage());
            }
            switch (device) {
                case "disk" -> s.diskLimit(limit);
                case "net-rx", "net-tx" -> {
                    if (!s.networkLimits(
                            device.equals("net-rx") ? limit : null, device.equals("net-tx") ? limit : null)) {
                        throw new IOException("the VM has no network");
                    }
                }
                default -> throw new IOException("unknown device \"" + device + "\" (expected disk, net-rx or net-tx)");
            }
        }

        @Override
        public long snapshot(Path dir) throws IOException, InterruptedException {
            Sandbox s = sandbox;
            if (s == null) throw new IOException("the VM is still starting");
            Files.createDirectories(dir);
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) throw new IOException("snapshot directory " + dir + " is not empty");
            }
            synchronized (VmProcess.this) {
                if (paused) throw new IOException("the VM is paused; unpause it first");
                try {
                    long bytes = s.snapshot(dir);
                    Files.copy(logFile, dir.resolve(ControlProtocol.SNAPSHOT_LOG));
                    return bytes;
                } finally {
                    s.resume();
                }
            }
        }
    }
}
