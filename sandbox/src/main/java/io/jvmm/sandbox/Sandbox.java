package io.jvmm.sandbox;

import io.jvmm.agent.AgentChannel;
import io.jvmm.agent.AgentClient;
import io.jvmm.agent.AgentConfig;
import io.jvmm.agent.AgentProtocol;
import io.jvmm.agent.ExecResult;
import io.jvmm.agent.Hello;
import io.jvmm.core.ConfigException;
import io.jvmm.core.DriveConfig;
import io.jvmm.core.NetConfig;
import io.jvmm.core.Vm;
import io.jvmm.core.VmConfig;
import io.jvmm.core.VmExit;
import io.jvmm.core.backend.net.NetnsInterface;
import io.jvmm.core.backend.net.NetnsTap;
import io.jvmm.core.backend.net.PasstBackend;
import io.jvmm.core.backend.net.PortForward;
import io.jvmm.core.backend.net.TapBackend;
import io.jvmm.files.FileTrees;
import io.jvmm.fuse.IdMapping;
import io.jvmm.fuse.ShareOptions;
import io.jvmm.kvm.sys.ProcessSyscalls;
import io.jvmm.virtio.ratelimit.RateLimit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A Linux microVM with the jvmm agent as init: the root image read-only under an overlay (or a host
 * directory as the root through virtio-fs), volumes, bind mounts, and an {@link AgentClient} to run programs and copy files. Start one with {@link #start}, or
 * {@link #restore} one from a {@link #snapshot} to skip the boot.
 *
 * <pre>{@code
 * try (Sandbox s = Sandbox.start(SandboxConfig.builder().kernel(vmlinux).rootfs(image).build())) {
 *     ExecResult r = s.agent().run("uname", "-a");
 * }
 * }</pre>
 */
public final class Sandbox implements AutoCloseable {
    /** The host's vsock CID is 2; the guest gets the first free one. */
    static final int GUEST_CID = 3;

    private static final int CONNECT_TIMEOUT_S = 10;

    private final SandboxConfig config;
    private final Vm vm;
    private final AgentReadiness readiness;
    private final ConsoleTail console;
    private final Hello hello;
    private final AgentClient agent;
    private boolean stopping;

    private Sandbox(SandboxConfig config, Vm vm, AgentReadiness readiness, ConsoleTail console, Hello hello) {
        this.config = config;
        this.vm = vm;
        this.readiness = readiness;
        this.console = console;
        this.hello = hello;
        this.agent = new AgentClient(this::connectAgent);
    }

    /** A new connection to the agent (one per exec, copy or poweroff; see guest-agent/PROTOCOL.md). */
    public AgentChannel connectAgent() throws IOException, InterruptedException {
        return new VsockAgentChannel(
                vm.vsock().connect(AgentProtocol.DEFAULT_PORT, Duration.ofSeconds(CONNECT_TIMEOUT_S)));
    }

    /**
     * Starts the passt a sandbox with {@code forwards} would start, with the guest addresses the agent
     * configures, for a sandbox in another process ({@link SandboxConfig.Builder#networkSocket});
     * passt's messages go to {@code messagesFd}.
     */
    public static PasstBackend.Handoff spawnNetwork(List<PortForward> forwards, int messagesFd) {
        NetConfig n = GuestNetwork.passt(forwards);
        return PasstBackend.spawnForHandoff("network", n.forwards(), n.ipv4(), messagesFd);
    }

    /** Boots the VM and returns once the agent has said HELLO; throws {@link SandboxException} otherwise. */
    public static Sandbox start(SandboxConfig config) {
        Vm vm = null;
        AgentReadiness ready = null;
        try {
            ConsoleTail console = new ConsoleTail(config.console(), 16 << 10);
            vm = createWithInitramfs(config, console);
            ready = new AgentReadiness(vm.vsock().listen(AgentProtocol.READY_PORT, 1), config.name());
            if (config.beforeGuestRuns() != null) config.beforeGuestRuns().run();
            vm.start();
            Hello h = awaitReady(config, vm, ready, console, "boot");
            return new Sandbox(config, vm, ready, console, h);
        } catch (IOException | ConfigException e) {
            cleanup(vm, ready);
            throw new SandboxException("sandbox " + config.name() + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cleanup(vm, ready);
            throw new SandboxException("sandbox " + config.name() + ": interrupted while starting");
        } catch (RuntimeException e) {
            cleanup(vm, ready);
            throw e;
        }
    }

    /** The initramfs file is only read while the VM is created (into guest RAM): it is gone right after. */
    private static Vm createWithInitramfs(SandboxConfig config, ConsoleTail console) throws IOException {
        Path work = Files.createTempDirectory("jvmm-sandbox-");
        try {
            Path initrd = work.resolve("initramfs.cpio");
            Files.write(initrd, AgentInitramfs.build(agentConfig(config)));
            return Vm.create(vmConfig(config, console)
                    .kernel(config.kernel())
                    .initrd(initrd)
                    .build());
        } finally {
            FileTrees.deleteQuietly(work);
        }
    }

    /**
     * Restores a sandbox from {@code snapshotDir} (written by {@link #snapshot}); {@code config}
     * must name the same kernel, images and sizes. The agent reconnects after the restore (the guest's
     * vsock transport is reset), which is what this waits for.
     */
    public static Sandbox restore(Path snapshotDir, SandboxConfig config) {
        Vm vm = null;
        AgentReadiness ready = null;
        try {
            ConsoleTail console = new ConsoleTail(config.console(), 16 << 10);
            vm = Vm.restore(snapshotDir, vmConfig(config, console).buildForRestore());
            ready = new AgentReadiness(vm.vsock().listen(AgentProtocol.READY_PORT, 1), config.name());
            if (config.beforeGuestRuns() != null) config.beforeGuestRuns().run();
            vm.start();
            Hello h = awaitReady(config, vm, ready, console, "restore");
            return new Sandbox(config, vm, ready, console, h);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cleanup(vm, ready);
            throw new SandboxException("sandbox " + config.name() + ": interrupted while restoring");
        } catch (RuntimeException e) {
            cleanup(vm, ready);
            throw e instanceof SandboxException
                    ? e
                    : new SandboxException("sandbox " + config.name() + ": " + e.getMessage(), e);
        }
    }

    private static Hello awaitReady(SandboxConfig config, Vm vm, AgentReadiness ready, ConsoleTail console, String what)
            throws InterruptedException {
        Optional<Hello> h =
                ready.await(config.readyTimeout(), () -> vm.exitReason().isEmpty());
        if (h.isPresent()) return h.get();
        String why = vm.exitReason()
                .map(VmExit::describe)
                .map(d -> "the VM ended before the agent was ready (" + d + ")")
                .orElse("the agent was not ready within "
                        + config.readyTimeout().toSeconds() + " s after " + what);
        String tail = String.join(" | ", console.lastLines(5));
        throw new SandboxException("sandbox " + config.name() + ": " + why
                + (tail.isEmpty() ? "; the console is empty" : "; last console lines: " + tail));
    }

    static AgentConfig agentConfig(SandboxConfig c) {
        AgentConfig.Builder a = AgentConfig.builder()
                .listenVsock(AgentProtocol.DEFAULT_PORT)
                .readyVsock(2, AgentProtocol.READY_PORT)
                .hostname(c.hostname());
        int index = 0;
        if (c.rootDirectory() != null) {
            a.rootShare(SandboxConfig.RootDirectory.TAG);
            if (!c.rootDirectory().readOnly()) a.rootItself();
            c.rootDirectory().live().forEach(a::live);
        } else {
            a.rootDevice(guestDevice(index++), c.rootfsType());
        }
        for (SandboxConfig.Volume v : c.volumes()) a.volume(guestDevice(index++), v.guestPath(), v.readOnly());
        for (int i = 0; i < c.binds().size(); i++) {
            SandboxConfig.Bind bd = c.binds().get(i);
            a.share(SandboxConfig.Bind.tag(i), bd.guestPath(), bd.readOnly());
        }
        if (c.scratch() != null) a.scratch(guestDevice(index));
        if (c.network() != null) {
            a.ip(GuestNetwork.GUEST_CIDR).gateway(GuestNetwork.GATEWAY).dns(GuestNetwork.DNS);
        } else if (c.joinedNetwork() != null) {
            // the engine's address and route; its resolv.conf reaches the containers as a bind
            NetnsInterface i = c.joinedNetwork().iface();
            a.ip(i.cidr()).mtu(i.mtu());
            if (i.gateway() != null) a.gateway(i.gateway());
        }
        for (String kv : c.env()) a.env(kv);
        return a.build();
    }

    /** Linux names virtio-blk disks in probe order, which is the order jvmm declares them. */
    private static String guestDevice(int index) {
        return "/dev/" + DriveConfig.defaultId(index);
    }

    private static VmConfig.Builder vmConfig(SandboxConfig c, ConsoleTail console) {
        VmConfig.Builder b = VmConfig.builder()
                .name(c.name())
                .vcpus(c.cpus())
                .memoryMib(c.memoryMib())
                .cmdline(c.cmdline())
                .consoleOutput(console)
                .rng(true)
                .vsock(GUEST_CID, null);
        int index = 0;
        if (c.rootfs() != null) b.drive(DriveConfig.defaultId(index++), c.rootfs(), true, c.diskLimit());
        for (SandboxConfig.Volume v : c.volumes())
            b.drive(DriveConfig.defaultId(index++), v.image(), v.readOnly(), c.diskLimit());
        if (c.scratch() != null) b.drive(DriveConfig.defaultId(index), c.scratch(), false, c.diskLimit());
        if (c.rootDirectory() != null) {
            b.share(
                    SandboxConfig.RootDirectory.TAG,
                    c.rootDirectory().dir(),
                    ShareOptions.defaults()
                            .withReadOnly(c.rootDirectory().readOnly())
                            .withIds(shareIds()));
        }
        for (int i = 0; i < c.binds().size(); i++) {
            SandboxConfig.Bind bd = c.binds().get(i);
            b.share(
                    SandboxConfig.Bind.tag(i),
                    bd.hostDir(),
                    ShareOptions.defaults().withReadOnly(bd.readOnly()).withIds(shareIds()));
        }
        if (c.network() != null) {
            NetConfig n = GuestNetwork.passt(c.network()).withRateLimits(c.netRxLimit(), c.netTxLimit());
            b.net(c.networkSocket() >= 0 ? n.withPasstSocket(c.networkSocket()) : n);
        } else if (c.joinedNetwork() != null) {
            SandboxConfig.JoinedNetwork j = c.joinedNetwork();
            b.net(NetConfig.of(TapBackend.adopt(NetnsTap.TAP, j.tapFd()))
                    .withMac(j.iface().mac())
                    .withRateLimits(c.netRxLimit(), c.netTxLimit()));
        }
        return b;
    }

    /**
     * Run as root, guest ids pass through; run as another user, that user is the guest's root
     * (IdMapping.translate, as rootless podman).
     */
    private static IdMapping shareIds() {
        int uid = ProcessSyscalls.geteuid();
        return uid == 0 ? IdMapping.identity() : IdMapping.translate(uid, ProcessSyscalls.getegid());
    }

    private static void cleanup(Vm vm, AgentReadiness ready) {
        if (ready != null) ready.close();
        if (vm != null) vm.close();
    }

    /** The client for the agent in this VM. */
    public AgentClient agent() {
        return agent;
    }

    /** Runs {@code argv} in the guest and collects its output. */
    public ExecResult exec(String... argv) throws IOException, InterruptedException {
        return agent.run(argv);
    }

    /** The agent's HELLO of the current boot or restore. */
    public Hello hello() {
        return hello;
    }

    public Vm vm() {
        return vm;
    }

    /** Changes the rate limit of every drive (root image, volumes, scratch) while the guest runs. */
    public void diskLimit(RateLimit limit) {
        for (DriveConfig d : vm.config().drives())
            vm.drive(d.id()).ifPresent(b -> b.rateLimiter().update(limit));
    }

    /** Changes the network's limits while the guest runs (null: that direction unchanged); false without a network. */
    public boolean networkLimits(RateLimit rx, RateLimit tx) {
        return vm.net()
                .map(n -> {
                    if (rx != null) n.rxRateLimiter().update(rx);
                    if (tx != null) n.txRateLimiter().update(tx);
                    return true;
                })
                .orElse(false);
    }

    public SandboxConfig config() {
        return config;
    }

    /** Whether the agent's readiness connection is still open (the agent is alive). */
    public boolean agentConnected() {
        return readiness.isConnected();
    }

    /**
     * Pauses the VM and writes a snapshot to {@code dir}; the sandbox stays paused until
     * {@link #resume()}. Volumes are not copied: restore with the same, unchanged images.
     */
    public long snapshot(Path dir) throws InterruptedException {
        vm.pause();
        return vm.snapshot(dir);
    }

    public void resume() {
        vm.resume();
    }

    /**
     * Asks the agent to power off (SIGTERM to every process, {@code grace} to exit, then SIGKILL,
     * unmount and reset) and waits for the VM to end; stops it by force when it has not ended
     * {@code grace} plus 10 s later. Safe to call from several threads: later callers wait for the
     * same end.
     */
    public VmExit stop(Duration grace) throws InterruptedException {
        boolean first;
        synchronized (this) {
            first = !stopping;
            stopping = true;
        }
        if (first && vm.exitReason().isEmpty()) {
            // The OK may never come (the guest resets right after sending it, or it is hung), so the
            // answer is not waited for here: the VM's end is.
            Thread.ofPlatform().daemon().name("agent-poweroff-" + config.name()).start(() -> {
                try {
                    agent.poweroff(grace);
                } catch (IOException e) {
                    if (vm.exitReason().isEmpty()) vm.stop("the agent did not take the poweroff: " + e.getMessage());
                } catch (InterruptedException ignored) {
                    // The VM is being closed.
                }
            });
        }
        Duration limit = grace.plusSeconds(10);
        Optional<VmExit> e = vm.awaitExit(limit);
        if (e.isPresent()) return e.get();
        vm.stop("did not power off within " + limit.toSeconds() + " s");
        return vm.awaitExit();
    }

    /** The last console lines, for error reports. */
    public String consoleTail(int lines) {
        return String.join("\n", console.lastLines(lines));
    }

    @Override
    public void close() {
        readiness.close();
        vm.close();
    }
}
