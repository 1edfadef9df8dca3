package io.jvmm.runtime.vmproc;

import io.jvmm.core.ConfigException;
import io.jvmm.core.backend.net.NetnsInterface;
import io.jvmm.core.backend.net.NetnsTap;
import io.jvmm.core.backend.net.PasstBackend;
import io.jvmm.core.backend.net.PortForward;
import io.jvmm.core.jail.Jail;
import io.jvmm.kvm.sys.ChildProcess;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.runtime.DefaultKernel;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.EntryPoint;
import io.jvmm.runtime.PrivateFiles;
import io.jvmm.runtime.state.RateLimitSpec;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import io.jvmm.sandbox.Sandbox;
import io.jvmm.sandbox.SandboxConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Turns a VM's record into the sandbox it runs, and starts its detached VM process. */
public final class VmLaunch {

    private VmLaunch() {}

    /**
     * @param networkFd       a socket to the passt the launcher started, or null to start passt here (when
     *                        installed); with {@code joined}, the TAP the launcher joined to the record's network namespace
     * @param joined          the interface of the record's network namespace that the TAP {@code networkFd} is joined
     *                        to; null when the namespace has none (no network), or for a check
     * @param beforeGuestRuns what the VM process does between building the VM and running it (its confinement), or null
     */
    public static SandboxConfig sandboxConfig(
            VmRecord r,
            StateDirs dirs,
            Path kernel,
            OutputStream console,
            Duration readyTimeout,
            Integer networkFd,
            NetnsInterface joined,
            Runnable beforeGuestRuns) {
        SandboxConfig.Builder b = SandboxConfig.builder()
                .name(r.name())
                .kernel(kernel)
                .cpus(r.cpus())
                .memoryMib(r.memoryMib())
                .hostname(r.guestHostname())
                .console(console)
                .beforeGuestRuns(beforeGuestRuns)
                .diskLimit(RateLimitSpec.parse(r.limits().disk()))
                .networkLimits(
                        RateLimitSpec.parse(r.limits().netRx()),
                        RateLimitSpec.parse(r.limits().netTx()));
        if (readyTimeout != null) b.readyTimeout(readyTimeout);
        Path root = Path.of(r.image());
        if (Files.isDirectory(root))
            b.rootDirectory(root, r.readOnlyRoot(), r.pod() ? List.of(VmRecord.POD_CONTAINERS_DIR) : List.of());
        else b.rootfs(root);
        for (VmRecord.Mount m : r.volumes()) {
            if (m.bind()) b.bind(Path.of(m.source()), m.target(), m.readOnly());
            else b.volume(m.named() ? dirs.volumeImage(m.source()) : Path.of(m.source()), m.target(), m.readOnly());
        }
        for (String e : r.env()) b.env(e);
        if (r.networkNamespace() != null) {
            if (networkFd != null && joined != null)
                b.joinedNetwork(new SandboxConfig.JoinedNetwork(networkFd, joined));
        } else if (networkFd != null) {
            b.network(forwards(r)).networkSocket(networkFd);
        } else if (passtInstalled()) {
            b.network(forwards(r));
        } else if (!r.ports().isEmpty()) {
            throw EngineException.usage(
                    "-p needs passt for the VM's network, and it is not installed (Debian: apt-get install passt)");
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw EngineException.usage(e.getMessage());
        }
    }

    private static List<PortForward> forwards(VmRecord r) {
        List<PortForward> forwards = new ArrayList<>();
        for (String p : r.ports()) forwards.add(PortForward.parse(p));
        return forwards;
    }

    public static boolean passtInstalled() {
        for (String d : System.getenv()
                .getOrDefault("PATH", "/usr/bin:/bin")
                .concat(":/usr/bin:/usr/sbin")
                .split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "passt"))) return true;
        }
        return false;
    }

    /**
     * Starts the detached VM process of {@code r} and waits until its agent is ready; on failure the
     * record is removed (nothing half-created), or with {@code keepOnFailure} (a VM that existed before)
     * marked exited with the error, and the error says why.
     */
    public static void startDetached(
            EntryPoint entry,
            VmStore store,
            StateDirs dirs,
            VmRecord r,
            Integer readyTimeoutSeconds,
            Path restoreFrom,
            boolean keepOnFailure)
            throws InterruptedException {
        Runnable undo = keepOnFailure ? () -> recordFailure(store, r.id()) : () -> store.remove(r.id());
        ChildProcess p;
        try {
            p = spawnDetached(entry, dirs, r, readyTimeoutSeconds, restoreFrom);
        } catch (IOException | RuntimeException e) {
            undo.run();
            throw EngineException.runtime("cannot start the VM process: " + e.getMessage());
        }
        ControlClient control = new ControlClient(dirs.controlSocket(r.id()));
        try {
            while (true) {
                if (!p.isAlive()) {
                    String why = store.find(r.id()).map(x -> x.state().error()).orElse(null);
                    undo.run();
                    throw EngineException.runtime("VM " + r.name() + " did not start: "
                            + (why != null
                                    ? why
                                    : "the VM process exited with status " + p.exitStatus() + " (see "
                                            + dirs.vmDataDir(r.id()).resolve(VM_PROCESS_LOG) + ")"));
                }
                if (Files.exists(dirs.controlSocket(r.id()))) {
                    try {
                        if (control.status().equals("ready")) return;
                    } catch (IOException e) {
                        // Not listening yet.
                    }
                }
                Thread.sleep(20);
            }
        } finally {
            if (p.isAlive()) p.reapInBackground();
            else p.close();
        }
    }

    /** A start that failed before the VM process could record it: the VM is exited, without a status. */
    private static void recordFailure(VmStore store, String id) {
        store.update(
                id,
                x -> x.state().status() == VmRecord.Status.EXITED
                        ? x
                        : x.withState(x.state().exited(Instant.now(), null, "the VM did not start")));
    }

    /** The VM process's own diagnostics, in its data directory. */
    public static final String VM_PROCESS_LOG = "vm-process.log";

    /**
     * Starts {@code <entry> __vm-process ID} in a session of its own (setsid), so it outlives this command
     * and a terminal's hangup; its diagnostics go to {@link #VM_PROCESS_LOG}. Unless the record says
     * {@code landlock=unconfined} it starts confined to {@link VmProcessPolicy}, and its passt is
     * started here, outside that confinement, and handed over as descriptor 3; for a record with a network
     * namespace, the TAP joined to it ({@link NetnsTap}) is, with its interface as an argument. With
     * {@code restoreFrom} (not null) it restores that snapshot instead of booting.
     */
    static ChildProcess spawnDetached(
            EntryPoint entry, StateDirs dirs, VmRecord r, Integer readyTimeoutSeconds, Path restoreFrom)
            throws IOException, InterruptedException {
        String id = r.id();
        Path java = javaLauncher();
        Path kernel = DefaultKernel.fromSystem().resolve().kernel();
        // The VM process's temporary files (the initramfs) live in the
        // VM's own directory, so 'jvmm rm' removes them even after a kill -9.
        Path tmp = dirs.ensureVmTempDir(id);
        dirs.ensureVmRunDir(id);
        List<String> cmd = javaCommand(entry, java, tmp);
        // The engine's own directories, whatever this process's environment names (an embedding engine's may differ).
        cmd.addAll(1, dirs.asJvmOptions());
        cmd.addAll(List.of(EntryPoint.VM_PROCESS, id));
        cmd.addAll(List.of("--kernel", kernel.toString()));
        if (readyTimeoutSeconds != null) cmd.addAll(List.of("--ready-timeout", readyTimeoutSeconds.toString()));
        if (restoreFrom != null) cmd.addAll(List.of("--restore", restoreFrom.toString()));
        if (r.security().dropsPrivileges())
            handOver(dirs, id, r.security().uid(), r.security().gid());

        Path log = dirs.vmDataDir(id).resolve(VM_PROCESS_LOG);
        int logFd = Libc.open(log.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND | Libc.O_CLOEXEC, 0600);
        PasstBackend.Handoff passt = null;
        NetnsTap.Attachment joined = null;
        try {
            Map<Integer, Integer> fds = new HashMap<>(Map.of(1, logFd, 2, logFd));
            if (r.networkNamespace() != null) {
                joined = joinNamespace(r);
                if (joined != null) {
                    fds.put(NETWORK_FD, joined.tapFd());
                    cmd.addAll(List.of("--network-fd", Integer.toString(NETWORK_FD)));
                    cmd.addAll(List.of("--network-interface", joined.iface().toArgument()));
                }
            } else if (passtInstalled()) {
                passt = Sandbox.spawnNetwork(forwards(r), logFd);
                fds.put(NETWORK_FD, passt.socket());
                cmd.addAll(List.of("--network-fd", Integer.toString(NETWORK_FD)));
            }
            ChildProcess vm;
            if (r.security().landlock()) {
                Jail.Spawned s = Jail.spawn(VmProcessPolicy.of(dirs, r, java, kernel, restoreFrom), cmd, fds, true);
                vm = s.process();
                logLine(
                        log,
                        s.landlockAbi() > 0
                                ? "jvmm: landlock ABI " + s.landlockAbi() + ": files confined (docs/sandbox.md)"
                                : "jvmm: landlock: not available on this kernel; the VM process's files are not confined");
            } else {
                vm = ChildProcess.spawn(cmd, fds, true);
                logLine(log, "jvmm: landlock=unconfined: the VM process's files are not confined");
            }
            if (passt != null) passt.process().reapInBackground(); // it exits when the VM process closes its socket
            return vm;
        } catch (RuntimeException e) {
            if (passt != null) passt.process().close();
            throw e;
        } finally {
            if (passt != null) Libc.close(passt.socket());
            if (joined != null) Libc.close(joined.tapFd()); // the VM process has its own; the TAP lives with it
            Libc.close(logFd);
        }
    }

    /** The TAP joined to the record's network namespace; null when the namespace has no interface to take over. */
    private static NetnsTap.Attachment joinNamespace(VmRecord r) {
        try {
            return NetnsTap.attach(Path.of(r.networkNamespace())).orElse(null);
        } catch (ConfigException e) {
            throw EngineException.usage(e.getMessage());
        }
    }

    private static void logLine(Path log, String line) {
        try {
            Files.writeString(log, line + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the log is for diagnostics only
        }
    }

    /** This JVM's java launcher. */
    public static Path javaLauncher() {
        return Path.of(ProcessHandle.current()
                .info()
                .command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    }

    /**
     * {@code java ... <entry's main class>}: a JVM that runs a VM, with this one's class path and
     * properties, C1 only (a VM process's hot loops are short), no perf data file in /tmp, and
     * {@code tmp} as its temporary directory (null: the default). {@code JVMM_VM_JAVA_OPTS} adds JVM
     * flags (diagnostics), after the defaults so it can override them.
     */
    public static List<String> javaCommand(EntryPoint entry, Path java, Path tmp) {
        List<String> cmd = new ArrayList<>(List.of(
                java.toString(), "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1", "-XX:-UsePerfData"));
        cmd.addAll(VM_PROCESS_MEMORY_FLAGS);
        // jcmd's attach mechanism would start a thread that opens a socket in /tmp, which the VM
        // process's seccomp filter and Landlock policy refuse; the filter kills the process for it.
        // Without it, SIGQUIT still prints a thread dump to the VM process's log.
        cmd.add("-XX:+DisableAttachMechanism");
        String extra = System.getenv("JVMM_VM_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) cmd.addAll(List.of(extra.trim().split("\\s+")));
        for (String prop : PROPAGATED_PROPERTIES) {
            String v = System.getProperty(prop);
            if (v != null) cmd.add("-D" + prop + "=" + v);
        }
        if (tmp != null) cmd.add("-Djava.io.tmpdir=" + tmp);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), entry.mainClass()));
        return cmd;
    }

    /**
     * Memory per VM process (docs/performance.md): one GC thread and no G1 remembered sets, a heap
     * that starts small and is bounded above the vsock buffer budget (32 MiB) plus attach backlogs,
     * one C1 compiler thread and a code cache sized for C1 only, and the C heap trimmed every 5 s
     * (class loading and compiling at boot leave freed memory in glibc's arenas).
     */
    static final List<String> VM_PROCESS_MEMORY_FLAGS = List.of(
            "-XX:+UseSerialGC",
            "-Xms4m",
            "-Xmx192m",
            "-Xss512k",
            "-XX:CICompilerCount=1",
            "-XX:ReservedCodeCacheSize=32m",
            "-XX:TrimNativeHeapInterval=5000");

    /** The descriptor a detached VM process finds its passt socket on. */
    public static final int NETWORK_FD = 3;

    /** System properties the VM process runs with as this process does. */
    static final List<String> PROPAGATED_PROPERTIES = List.of(
            "jvmm.home", StateDirs.HOME_PROPERTY, "java.util.logging.config.file", VmConfinement.SELF_TEST_PROPERTY);

    /**
     * Gives the VM's own directories to the user its process drops to, which must write there after,
     * and lets that user through the state directories above them (search permission only: o+x, as a
     * home directory's 0711). Refuses, naming it, a directory above the state root that it cannot pass.
     */
    private static void handOver(StateDirs dirs, String id, int uid, int gid) throws IOException {
        for (Path d : List.of(dirs.vmDataDir(id), dirs.vmRunDir(id), dirs.vmTempDir(id))) {
            PrivateFiles.giveTree(d, uid, gid);
            for (Path up = d.getParent(); up != null; up = up.getParent()) {
                var perms = Files.getPosixFilePermissions(up);
                if (perms.contains(PosixFilePermission.OTHERS_EXECUTE)) continue;
                if (up.startsWith(dirs.dataDir()) || up.startsWith(dirs.runtimeDir())) {
                    perms.add(PosixFilePermission.OTHERS_EXECUTE);
                    Files.setPosixFilePermissions(up, perms);
                } else {
                    throw EngineException.usage(
                            "--security-opt vmm-user=" + uid + ":" + gid + ": that user cannot pass through " + up
                                    + " (mode " + PosixFilePermissions.toString(perms) + ") to reach the VM's state");
                }
            }
        }
    }
}
