package io.jvmm.cli;

import io.jvmm.image.ContentStore;
import io.jvmm.image.ImageConfig;
import io.jvmm.image.ImageException;
import io.jvmm.image.ImageRecord;
import io.jvmm.image.ImageReference;
import io.jvmm.image.rootfs.RootfsLimits;
import io.jvmm.runtime.DefaultKernel;
import io.jvmm.runtime.Engine;
import io.jvmm.runtime.Host;
import io.jvmm.runtime.Ports;
import io.jvmm.runtime.UserPaths;
import io.jvmm.runtime.boot.HacFile;
import io.jvmm.runtime.boot.HacFileException;
import io.jvmm.runtime.image.ImageRootfs;
import io.jvmm.runtime.image.ImageWorkload;
import io.jvmm.runtime.state.LimitOptions;
import io.jvmm.runtime.state.LogOptions;
import io.jvmm.runtime.state.MountSpecs;
import io.jvmm.runtime.state.SecurityOptions;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code jvmm run}: a new VM from a root image with the agent as init, running a command, like
 * {@code docker run}. The root is a root image file ({@code --rootfs}, or a positional naming a file), a
 * directory ({@code --rootfs DIR}: through virtio-fs, read-write, or read-only under an overlay with
 * {@code --read-only}), or an OCI image (a reference: used from the store, pulled when missing, turned into a cached EROFS root image
 * by {@link ImageRootfs}); with an image, its Entrypoint, Cmd, Env, WorkingDir, User and ExposedPorts are
 * the defaults that the flags override. Detached, the VM lives in its own process; in the foreground this process is
 * the VM process and the terminal is the workload's.
 */
@Command(
        name = "run",
        sortOptions = false,
        description = "Run a command in a new microVM (root image + guest agent), like docker run.")
class RunCommand extends CliCommand {
    @Option(names = "--name", paramLabel = "NAME", description = "Name of the VM (default: random).")
    private String name;

    @Option(
            names = "--pod",
            paramLabel = "POD",
            description =
                    "Run the command as a new container in POD ('jvmm pod create'), starting POD when it is not running.")
    private String pod;

    @Option(
            names = "--hac",
            paramLabel = "FILE",
            description =
                    "hac.toml: hardware.cores, hardware.memory and hardware.ref (the image) as defaults for --cpus, --memory and IMAGE.")
    private Path hacFile;

    @Option(names = "--cpus", paramLabel = "N", description = "vCPUs (default 1).")
    private Integer cpus;

    @Option(
            names = {"-m", "--memory"},
            paramLabel = "MIB",
            description = "Guest RAM in MiB (default 256).")
    private Long memoryMib;

    @Option(
            names = {"-e", "--env"},
            paramLabel = "KEY=VALUE",
            description = "Environment of the command (repeatable); overrides the image's Env.")
    private List<String> env = new ArrayList<>();

    @Option(
            names = {"-w", "--workdir"},
            paramLabel = "DIR",
            description = "Working directory of the command (default: the image's WorkingDir, else /).")
    private String workdir;

    @Option(
            names = {"-u", "--user"},
            paramLabel = "USER[:GROUP]",
            description = "User name or uid[:gid] of the command (default: the image's User, else root).")
    private String user;

    @Option(
            names = "--entrypoint",
            paramLabel = "CMD",
            description = "Replace the image's Entrypoint (and drop its Cmd); \"\" clears it.")
    private String entrypoint;

    @Option(
            names = {"-v", "--volume"},
            paramLabel = "SOURCE:/path[:ro]",
            description = {
                "Mount a host directory (a source starting with /, ./, ../ or ~/, or '.'; through virtio-fs),",
                "an image file, or a named volume (a plain name) (repeatable)."
            })
    private List<String> volumes = new ArrayList<>();

    @Option(
            names = "--mount",
            paramLabel = "type=bind,source=DIR,target=/path[,readonly]",
            description =
                    "Mount a host directory (type=bind) or a named volume (type=volume), docker's keys (repeatable).")
    private List<String> mountFlags = new ArrayList<>();

    @Option(
            names = {"-p", "--publish"},
            paramLabel = "HOST:GUEST[/udp]",
            description = "Forward a host port to the guest (repeatable).")
    private List<String> ports = new ArrayList<>();

    @Option(
            names = {"-P", "--publish-all"},
            description = "Forward a free host port to each of the image's ExposedPorts.")
    private boolean publishAll;

    @Option(
            names = {"-d", "--detach"},
            description = "Run in the background and print the VM id.")
    private boolean detach;

    @Option(
            names = {"-i", "--interactive"},
            description = "Keep the command's stdin open.")
    private boolean interactive;

    @Option(
            names = {"-t", "--tty"},
            description = "Run the command on a terminal.")
    private boolean tty;

    @Option(names = "--rm", description = "Remove the VM (record, logs) when it exits.")
    private boolean rm;

    @Option(
            names = "--rootfs",
            paramLabel = "IMAGE_FILE|DIR",
            description = {
                "Root image file (ext4, erofs or squashfs), used read-only under an overlay; or a directory,",
                "the guest's root read-write through virtio-fs (what the command writes lands in it)."
            })
    private Path rootfs;

    @Option(
            names = "--read-only",
            description = "With --rootfs DIR: mount the directory read-only under a tmpfs overlay instead.")
    private boolean readOnly;

    @Option(names = "--insecure", description = "Pull the image over plain HTTP (loopback registries always are).")
    private boolean insecure;

    @Option(
            names = "--log-opt",
            paramLabel = "KEY=VALUE",
            description =
                    "Log limits (repeatable): max-size=SIZE of one log file (default 10m), max-file=N files kept (default 3).")
    private List<String> logOpts = new ArrayList<>();

    @Option(
            names = "--rootfs-limit",
            paramLabel = "KEY=VALUE",
            description = {
                "A limit on building the image's root (repeatable; docs/rootfs-images.md): unpacked-bytes (default 8g), entries (1000000),",
                "path-depth, path-bytes, xattr-value-bytes, xattr-bytes-per-entry, metadata-bytes, header-bytes-per-entry."
            })
    private List<String> rootfsLimitOpts = new ArrayList<>();

    private RootfsLimits rootfsLimits = RootfsLimits.DEFAULT;

    @Option(
            names = "--disk-limit",
            paramLabel = "bw=SIZE,ops=N",
            description = "Limit each drive (root and volumes), per second (e.g. bw=50m,ops=1000).")
    private String diskLimit;

    @Option(
            names = "--net-rx-limit",
            paramLabel = "bw=SIZE,ops=N",
            description = "Limit what the guest receives, per second (bytes, frames).")
    private String netRxLimit;

    @Option(
            names = "--net-tx-limit",
            paramLabel = "bw=SIZE,ops=N",
            description = "Limit what the guest sends, per second.")
    private String netTxLimit;

    @Option(
            names = "--security-opt",
            paramLabel = "KEY=VALUE",
            description = {
                "How a detached VM's process is confined (repeatable; docs/sandbox.md): landlock=unconfined, seccomp=unconfined,",
                "vmm-user=UID:GID (root only: the VMM drops to that user once the VM is built)."
            })
    private List<String> securityOpts = new ArrayList<>();

    @Option(
            names = "--ready-timeout",
            paramLabel = "SECONDS",
            description = "How long the guest may take to be ready (default 30, or 300 on kvm_pvm hosts).")
    private Integer readyTimeout;

    @Parameters(
            paramLabel = "[IMAGE] [CMD [ARG...]]",
            description =
                    "An image (reference: pulled when not in the store; or a root image file) unless --rootfs, then the command.")
    private List<String> args = new ArrayList<>();

    @Mixin
    private ConfigOptions config = new ConfigOptions();

    @Spec
    private CommandSpec spec;

    RunCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    /** {@code jvmm create}: the VM is stored, created, and nothing is booted. */
    boolean createOnly() {
        return false;
    }

    /** The OCI image a run uses: the stored image, its config and its root image file. */
    private record FromImage(ImageRecord record, ImageConfig config, Path rootfs) {}

    @Override
    public Integer call() throws Exception {
        if (pod != null) return runInPod();
        HacFile hac = hacFile == null ? null : HacFile.parse(hacFile);
        int cpus = this.cpus != null ? this.cpus : hac != null && hac.cores() != null ? hac.cores() : 1;
        long memoryMib = this.memoryMib != null
                ? this.memoryMib
                : hac != null && hac.memoryMib() != null ? hac.memoryMib() : 256;
        if (cpus < 1 || cpus > 64)
            throw CliException.usage(
                    (this.cpus != null ? "--cpus" : "hac.toml: hardware.cores") + " must be 1..64, got " + cpus);
        if (memoryMib < 64)
            throw CliException.usage((this.memoryMib != null ? "--memory" : "hac.toml: hardware.memory")
                    + " must be at least 64 MiB for Linux, got " + memoryMib);
        for (String e : env) {
            if (e.indexOf('=') <= 0) throw CliException.usage("-e " + e + ": expected KEY=VALUE");
        }
        if (workdir != null && !workdir.isEmpty() && !workdir.startsWith("/"))
            throw CliException.usage("-w " + workdir + ": must be an absolute path in the guest");
        LogOptions logs = LogOptions.DEFAULT;
        for (String o : logOpts) {
            try {
                logs = logs.with(o);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--log-opt " + o + ": " + e.getMessage());
            }
        }
        for (String o : rootfsLimitOpts) rootfsLimits = RootfsLimitOption.apply(rootfsLimits, o);
        LimitOptions limits;
        try {
            limits = new LimitOptions(diskLimit, netRxLimit, netTxLimit);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
        SecurityOptions security = SecurityOptions.DEFAULT;
        for (String o : securityOpts) {
            try {
                security = security.with(o);
            } catch (IllegalArgumentException e) {
                throw CliException.usage("--security-opt " + o + ": " + e.getMessage());
            }
        }
        if (!securityOpts.isEmpty() && !detach && !createOnly())
            throw CliException.usage("--security-opt confines a detached VM's process: add -d");
        if (security.dropsPrivileges() && !Host.isRoot())
            throw CliException.usage("--security-opt vmm-user: only root can switch the VM process's user");
        List<String> forwards = new ArrayList<>();
        for (String p : ports) forwards.add(Ports.checkedForward(p));
        Engine engine = Jvmm.engine();
        StateDirs dirs = engine.dirs();

        // The root: --rootfs FILE; else IMAGE, a root image file or an image reference; else hac.toml's ref.
        List<String> rest = new ArrayList<>(args);
        Path image = rootfs == null ? null : rootfs.toAbsolutePath().normalize();
        if (image != null && !Files.isRegularFile(image) && !Files.isDirectory(image))
            throw CliException.usage("--rootfs " + image + ": no such file or directory");
        if (readOnly && (image == null || !Files.isDirectory(image)))
            throw CliException.usage("--read-only is for a directory root: give --rootfs DIR");
        FromImage fromImage = null;
        if (image == null) {
            boolean refFromHac = hac != null && hac.ref() != null && (args.isEmpty() || dashDashFirst());
            if (refFromHac) {
                fromImage = fromImage(dirs, hac.ref(), hac);
            } else {
                if (rest.isEmpty())
                    throw CliException.usage(
                            "run needs an image: IMAGE (a reference or a root image file), --rootfs IMAGE_FILE, or --hac FILE with hardware.ref");
                String spelled = rest.remove(0);
                Path p = UserPaths.resolve(Path.of("").toAbsolutePath(), spelled);
                if (Files.isRegularFile(p)) image = p;
                else if (Files.isDirectory(p))
                    throw CliException.usage(spelled + " is a directory: give a directory root as --rootfs " + spelled);
                else if (looksLikePath(spelled)) throw CliException.usage("no image file " + spelled);
                else fromImage = fromImage(dirs, spelled, null);
                // IMAGE -- CMD: the "--" of the days when options did not stop at the image.
                if (!rest.isEmpty() && rest.getFirst().equals("--")) rest.removeFirst();
            }
        }
        if (fromImage != null) image = fromImage.rootfs();
        image = image.toAbsolutePath().normalize();
        if (!Files.isReadable(image)) throw CliException.usage("--rootfs " + image + ": not readable");

        // The workload, docker's way (ImageWorkload).
        ImageConfig cfg = fromImage == null ? null : fromImage.config();
        List<String> allEnv = new ArrayList<>(config.fileEnv());
        allEnv.addAll(env);
        ImageWorkload w = ImageWorkload.of(cfg, new ImageWorkload.Options(entrypoint, rest, allEnv, workdir, user));
        if (w.argv().isEmpty() && fromImage != null) {
            throw CliException.usage(
                    "no command: image " + Images.familiar(fromImage.record().name())
                            + " has no Entrypoint or Cmd; give one after the image");
        }
        if (publishAll) forwards.addAll(w.publishAll(() -> Ports.freeHostPort(false), () -> Ports.freeHostPort(true)));

        MountSpecs specs = new MountSpecs(engine.volumes(), Path.of("").toAbsolutePath());
        List<VmRecord.Mount> mounts = new ArrayList<>();
        for (String v : volumes) mounts.add(specs.volumeFlag(v));
        for (String m : mountFlags) mounts.add(specs.mountFlag(m));
        MountSpecs.checkDistinctTargets(mounts);
        Path kernel = DefaultKernel.fromSystem().resolve().kernel();

        VmRecord draft = VmRecord.draft(image.toString(), w.argv())
                .withName(name)
                .withEnv(w.env())
                .withCpus(cpus)
                .withMemoryMib(memoryMib)
                .withVolumes(mounts)
                .withPorts(forwards)
                .withTty(tty)
                .withInteractive(interactive)
                .withDetached(detach || createOnly())
                .withAutoRemove(rm)
                .withWorkdir(w.workdir())
                .withUser(w.user())
                .withExposedPorts(w.exposed())
                .withLogs(logs)
                .withSecurity(security)
                .withLimits(limits)
                .withReadOnlyRoot(readOnly);
        draft = config.apply(draft);
        if (fromImage != null) {
            draft = draft.withImageRef(fromImage.record().name())
                    .withImageId(fromImage.record().id().toString());
        }
        // Checks the whole configuration before anything is created.
        VmRecord r = engine.create(draft, kernel);
        if (createOnly()) {
            out.println(r.id());
            return 0;
        }
        if (detach) {
            engine.start(r, readyTimeout, null);
            out.println(r.id());
            return 0;
        }
        try {
            return VmProcessCommand.runInForeground(engine, r, kernel, readyTimeout, out, in, err);
        } finally {
            if (rm) engine.vms().remove(r.id());
        }
    }

    /** {@code --pod}: a container in the pod; what belongs to the pod's VM is refused, naming where it goes. */
    private int runInPod() throws InterruptedException {
        List<String> podOnly = new ArrayList<>();
        if (hacFile != null) podOnly.add("--hac");
        if (cpus != null) podOnly.add("--cpus");
        if (memoryMib != null) podOnly.add("--memory");
        if (!ports.isEmpty() || publishAll) podOnly.add("-p/-P");
        if (diskLimit != null || netRxLimit != null || netTxLimit != null) podOnly.add("--disk-limit/--net-*-limit");
        if (!securityOpts.isEmpty()) podOnly.add("--security-opt");
        if (!podOnly.isEmpty())
            throw CliException.usage(
                    String.join(", ", podOnly) + " belong(s) to the pod's VM: give it to 'jvmm pod create'");
        if (rm && createOnly())
            throw CliException.usage("create --pod --rm: nothing would remove the container once a later start"
                    + " ends; use 'jvmm run --pod -d --rm'");
        for (String e : env) {
            if (e.indexOf('=') <= 0) throw CliException.usage("-e " + e + ": expected KEY=VALUE");
        }
        List<String> allEnv = new ArrayList<>(config.fileEnv());
        allEnv.addAll(env);
        // the container's mounts come from what the pod has: its binds, volumes and drive files
        MountSpecs specs = new MountSpecs(Jvmm.engine().volumes(), Path.of("").toAbsolutePath());
        List<VmRecord.Mount> mounts = new ArrayList<>();
        for (String v : volumes) mounts.add(specs.volumeFlag(v));
        for (String m : mountFlags) mounts.add(specs.mountFlag(m));
        MountSpecs.checkDistinctTargets(mounts);
        return new RunInPod(
                        pod,
                        name,
                        rootfs,
                        readOnly,
                        args,
                        entrypoint,
                        allEnv,
                        workdir,
                        user,
                        config.hostname(),
                        config.labels(),
                        mounts,
                        tty,
                        interactive,
                        detach,
                        rm,
                        createOnly(),
                        readyTimeout)
                .run(out, in, err);
    }

    /**
     * The image {@code spelled} names: from the store, else pulled (progress on stderr, as docker run does);
     * then its root image, built on first use. A reference error is one line naming where it came from.
     */
    private FromImage fromImage(StateDirs dirs, String spelled, HacFile hac) {
        ContentStore images = Images.store(dirs);
        ImageRecord rec;
        try {
            rec = images.find(spelled).orElse(null);
            if (rec == null) {
                ImageReference ref = ImageReference.parse(spelled);
                err.println("Unable to find image '" + ref.familiar() + "' locally");
                rec = Images.pull(images, ref, insecure, null, err, PullProgress.Mode.LINES);
            }
        } catch (ImageException e) {
            if (e.kind() != ImageException.Kind.BAD_INPUT) throw e;
            if (hac != null) throw new HacFileException(hac.source(), "hardware.ref", e.getMessage());
            throw CliException.usage(e.getMessage() + "; and there is no root image file of that name");
        }
        ImageConfig cfg = images.config(rec);
        if (cfg.os() != null && !cfg.os().equals("linux")) {
            throw CliException.usage("image " + Images.familiar(rec.name()) + " is for " + cfg.os() + ", not linux");
        }
        ImageRootfs.Built built = ImageRootfs.ensure(dirs, images, rec, rootfsLimits);
        return new FromImage(rec, cfg, built.file());
    }

    /**
     * Did {@code --} come before every positional? ({@code run --hac F -- CMD} means: the image is hac.toml's
     * ref.) Options stop at the first positional, so the positionals are the tail of the command line.
     */
    private boolean dashDashFirst() {
        List<String> orig = spec.commandLine().getParseResult().originalArgs();
        int before = orig.size() - args.size() - 1;
        return before >= 0 && orig.get(before).equals("--");
    }

    /**
     * A positional meant as a file name: {@code /x}, {@code ./x}, {@code ../x}, {@code ~/x}, or a root image file
     * extension ({@code rootfs.ext4} is a valid reference too, but pulling {@code docker.io/library/rootfs.ext4}
     * is never what was meant).
     */
    private static boolean looksLikePath(String s) {
        return s.startsWith("/")
                || s.startsWith("./")
                || s.startsWith("../")
                || s.startsWith("~/")
                || s.equals(".")
                || s.equals("..")
                || s.matches("(?i).*\\.(ext4|ext2|erofs|squashfs|sqfs|img|raw)");
    }
}
