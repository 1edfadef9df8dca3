package io.jvmm.cli;

import io.jvmm.cli.state.StateDirs;
import io.jvmm.cli.state.VmRecord;
import io.jvmm.cli.state.VmStore;
import io.jvmm.cli.state.VolumeStore;
import io.jvmm.cli.vmproc.ControlClient;
import io.jvmm.core.net.PortForward;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.DatagramSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm run}: a new VM from a root image with the agent as init, running a command, like
 * {@code docker run}. Detached, the VM lives in its own process; in the foreground this process is
 * the VM process and the terminal is the workload's.
 */
@Command(name = "run", sortOptions = false, description = "Run a command in a new microVM (root image + guest agent), like docker run.")
final class RunCommand implements Callable<Integer> {
    private final PrintStream out;
    private final InputStream in;
    private final PrintStream err;

    @Option(names = "--name", paramLabel = "NAME", description = "Name of the VM (default: random).")
    private String name;
    @Option(names = "--cpus", paramLabel = "N", description = "vCPUs (default 1).")
    private int cpus = 1;
    @Option(names = {"-m", "--memory"}, paramLabel = "MIB", description = "Guest RAM in MiB (default 256).")
    private long memoryMib = 256;
    @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = "Environment of the command (repeatable).")
    private List<String> env = new ArrayList<>();
    @Option(names = {"-v", "--volume"}, paramLabel = "VOLUME_OR_IMAGE:/path[:ro]", description = "Mount a named volume or an image file (repeatable).")
    private List<String> volumes = new ArrayList<>();
    @Option(names = {"-p", "--publish"}, paramLabel = "HOST:GUEST[/udp]", description = "Forward a host port to the guest (repeatable).")
    private List<String> ports = new ArrayList<>();
    @Option(names = {"-d", "--detach"}, description = "Run in the background and print the VM id.")
    private boolean detach;
    @Option(names = {"-i", "--interactive"}, description = "Keep the command's stdin open.")
    private boolean interactive;
    @Option(names = {"-t", "--tty"}, description = "Run the command on a terminal.")
    private boolean tty;
    @Option(names = "--rm", description = "Remove the VM when it exits (foreground only).")
    private boolean rm;
    @Option(names = "--rootfs", paramLabel = "IMAGE_FILE", description = "Root image file (ext4, erofs or squashfs), used read-only.")
    private Path rootfs;
    @Option(names = "--ready-timeout", paramLabel = "SECONDS", description = "How long the guest may take to be ready (default 30, or 300 on kvm_pvm hosts).")
    private Integer readyTimeout;
    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    private boolean help;
    @Parameters(paramLabel = "[IMAGE] [CMD [ARG...]]", description = "The image (unless --rootfs), then the command.")
    private List<String> args = new ArrayList<>();

    RunCommand(PrintStream out, InputStream in, PrintStream err) {
        this.out = out;
        this.in = in;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        List<String> rest = new ArrayList<>(args);
        Path image = rootfs;
        if (image == null) {
            if (rest.isEmpty()) throw CliException.usage("run needs a root image: --rootfs IMAGE_FILE (or an IMAGE)");
            String ref = rest.remove(0);
            Path p = UserPaths.resolve(Path.of("").toAbsolutePath(), ref);
            if (!Files.isRegularFile(p)) throw CliException.usage("no image file " + ref + " (OCI images are not supported yet; pass a root image file with --rootfs)");
            image = p;
        }
        image = image.toAbsolutePath().normalize();
        if (!Files.isRegularFile(image)) throw CliException.usage("--rootfs " + image + ": no such file");
        if (!Files.isReadable(image)) throw CliException.usage("--rootfs " + image + ": not readable");
        if (cpus < 1 || cpus > 64) throw CliException.usage("--cpus must be 1..64, got " + cpus);
        if (memoryMib < 64) throw CliException.usage("--memory must be at least 64 MiB for Linux, got " + memoryMib);
        for (String e : env) {
            if (e.indexOf('=') <= 0) throw CliException.usage("-e " + e + ": expected KEY=VALUE");
        }
        if (rm && detach) throw CliException.usage("--rm is for foreground runs; remove a detached VM with 'jvmm rm'");
        List<String> forwards = new ArrayList<>();
        for (String p : ports) {
            PortForward f;
            try {
                f = PortForward.parse(p);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("-p " + p + ": " + e.getMessage());
            }
            checkHostPortFree(f);
            forwards.add(f.toString());
        }
        StateDirs dirs = StateDirs.fromEnvironment();
        VmStore store = new VmStore(dirs);
        VolumeStore volumeStore = new VolumeStore(dirs, store);
        List<VmRecord.Mount> mounts = new ArrayList<>();
        for (String v : volumes) mounts.add(volumeStore.resolveForMount(v));
        Path kernel = DefaultKernel.fromSystem().resolve().kernel();

        VmRecord draft = VmRecord.draft(image.toString(), List.copyOf(rest)).withName(name).withEnv(List.copyOf(env))
                .withCpus(cpus).withMemoryMib(memoryMib).withVolumes(mounts).withPorts(forwards)
                .withTty(tty).withInteractive(interactive).withDetached(detach);
        // Checks the whole configuration before anything is created.
        VmLaunch.sandboxConfig(draft.withName(name != null ? name : "check").withId("0".repeat(64)), dirs, kernel, null, null);
        VmRecord r = store.create(draft);
        if (detach) return runDetached(store, dirs, r);
        try {
            return VmProcessCommand.runInForeground(store, dirs, r, kernel, readyTimeout, out, in, err);
        } finally {
            if (rm) store.remove(r.id());
        }
    }

    private int runDetached(VmStore store, StateDirs dirs, VmRecord r) throws IOException, InterruptedException {
        Process p;
        try {
            p = VmLaunch.spawnDetached(dirs, r.id(), readyTimeout);
        } catch (IOException e) {
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
                    if (control.status().equals("ready")) break;
                } catch (IOException e) {
                    // Not listening yet.
                }
            }
            Thread.sleep(20);
        }
        out.println(r.id());
        return 0;
    }

    /** A port forward to a port something else holds fails inside passt later: say so now. */
    private static void checkHostPortFree(PortForward f) {
        try {
            if (f.udp()) {
                try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(f.hostPort()))) { /* free */ }
            } else {
                try (ServerSocket s = new ServerSocket()) {
                    s.setReuseAddress(true);
                    s.bind(new InetSocketAddress(f.hostPort()));
                }
            }
        } catch (IOException e) {
            throw CliException.usage("-p " + f + ": host port " + f.hostPort() + " is already in use");
        }
    }

    static Duration readyTimeout(Integer seconds) { return seconds == null ? null : Duration.ofSeconds(seconds); }
}
