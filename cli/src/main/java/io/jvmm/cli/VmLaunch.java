package io.jvmm.cli;

import io.jvmm.cli.state.StateDirs;
import io.jvmm.cli.state.VmRecord;
import io.jvmm.cli.state.VmStore;
import io.jvmm.cli.vmproc.ControlClient;
import io.jvmm.core.net.PortForward;
import io.jvmm.sandbox.SandboxConfig;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Turns a VM's record into the sandbox it runs, and starts its detached VM process. */
final class VmLaunch {
    /** The hidden subcommand the detached VM process runs. */
    static final String VM_PROCESS_COMMAND = "__vm-process";

    private VmLaunch() {}

    static SandboxConfig sandboxConfig(VmRecord r, StateDirs dirs, Path kernel, OutputStream console, Duration readyTimeout) {
        SandboxConfig.Builder b = SandboxConfig.builder().name(r.name()).kernel(kernel).rootfs(Path.of(r.image()))
                .cpus(r.cpus()).memoryMib(r.memoryMib()).hostname(r.shortId()).console(console);
        if (readyTimeout != null) b.readyTimeout(readyTimeout);
        for (VmRecord.Mount m : r.volumes()) {
            Path image = m.named() ? dirs.volumeImage(m.source()) : Path.of(m.source());
            b.volume(image, m.target(), m.readOnly());
        }
        for (String e : r.env()) b.env(e);
        if (passtInstalled()) {
            List<PortForward> forwards = new ArrayList<>();
            for (String p : r.ports()) forwards.add(PortForward.parse(p));
            b.network(forwards);
        } else if (!r.ports().isEmpty()) {
            throw CliException.usage("-p needs passt for the VM's network, and it is not installed (Debian: apt-get install passt)");
        }
        try {
            return b.build();
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    static boolean passtInstalled() {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").concat(":/usr/bin:/usr/sbin").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "passt"))) return true;
        }
        return false;
    }

    /**
     * Starts the detached VM process of {@code r} and waits until its agent is ready; on failure the
     * record is removed (nothing half-created) and the error says why.
     */
    static void startDetached(VmStore store, StateDirs dirs, VmRecord r, Integer readyTimeoutSeconds, Path restoreFrom)
            throws InterruptedException {
        Process p;
        try {
            p = spawnDetached(dirs, r.id(), readyTimeoutSeconds, restoreFrom);
        } catch (java.io.IOException e) {
            store.remove(r.id());
            throw CliException.runtime("cannot start the VM process: " + e.getMessage());
        }
        ControlClient control = new ControlClient(dirs.controlSocket(r.id()));
        while (true) {
            if (!p.isAlive()) {
                String why = store.find(r.id()).map(x -> x.state().error()).orElse(null);
                store.remove(r.id());
                throw CliException.runtime("VM " + r.name() + " did not start: "
                        + (why != null ? why : "the VM process exited with status " + p.exitValue()));
            }
            if (Files.exists(dirs.controlSocket(r.id()))) {
                try {
                    if (control.status().equals("ready")) return;
                } catch (java.io.IOException e) {
                    // Not listening yet.
                }
            }
            Thread.sleep(20);
        }
    }

    /**
     * Starts {@code jvmm __vm-process ID} as its own session (setsid), so it outlives this command
     * and a terminal's hangup; its own diagnostics go to {@code vm-process.log} in the VM's data dir.
     */
    static Process spawnDetached(StateDirs dirs, String id, Integer readyTimeoutSeconds) throws java.io.IOException {
        return spawnDetached(dirs, id, readyTimeoutSeconds, null);
    }

    /** As above, restoring the snapshot in {@code restoreFrom} (when not null) instead of booting. */
    static Process spawnDetached(StateDirs dirs, String id, Integer readyTimeoutSeconds, Path restoreFrom) throws java.io.IOException {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) cmd.add("/usr/bin/setsid");
        cmd.add(java);
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:TieredStopAtLevel=1");
        for (String prop : new String[] {"jvmm.home", StateDirs.HOME_PROPERTY, "java.util.logging.config.file"}) {
            String v = System.getProperty(prop);
            if (v != null) cmd.add("-D" + prop + "=" + v);
        }
        // The VM process's temporary files (the initramfs) live in the
        // VM's own directory, so 'jvmm rm' removes them even after a kill -9.
        Path tmp = dirs.ensureVmTempDir(id);
        cmd.add("-Djava.io.tmpdir=" + tmp);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Jvmm.class.getName(), VM_PROCESS_COMMAND, id));
        if (readyTimeoutSeconds != null) cmd.addAll(List.of("--ready-timeout", readyTimeoutSeconds.toString()));
        if (restoreFrom != null) cmd.addAll(List.of("--restore", restoreFrom.toString()));
        Path log = dirs.vmDataDir(id).resolve("vm-process.log");
        return new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true).start();
    }
}
