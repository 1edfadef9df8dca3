package io.jvmm.cli.runc;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.jvmm.agent.ExecRequest;
import io.jvmm.cli.Terminal;
import io.jvmm.runc.Bundle;
import io.jvmm.runc.BundleReader;
import io.jvmm.runc.BundleTranslator;
import io.jvmm.runc.ExecTranslator;
import io.jvmm.runc.OciProcess;
import io.jvmm.runtime.ConsoleTerminal;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.StateJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code runc exec}: a process in a created or running container, from {@code --process FILE} (a process
 * spec, as conmon and containerd pass it) or from the container's own process with the flags' changes
 * (args, {@code -e} appended to its env, cwd, user). In the foreground this process relays its stdin,
 * stdout, stderr and the signals it gets, and exits with the process's status; with {@code --detach} a
 * waiter ({@link RuncWaiter}) does, and the pid file names it. A process that cannot start is runc's
 * {@code exec failed: ...}, status 255. With a terminal ({@code --tty}, or {@code terminal} in the process
 * spec) the process gets a pty in the guest; with {@code --console-socket} its host end is a pseudo-terminal
 * whose master is sent to the socket ({@link io.jvmm.runtime.ConsoleTerminal}), else this process's own
 * stdin and stdout, the terminal among them put in raw mode meanwhile.
 */
@Command(
        name = "exec",
        sortOptions = false,
        description = "Run a process in a container (its args after ID, or --process FILE).")
final class RuncExec extends RuncSubcommand {
    @Option(
            names = {"-p", "--process"},
            paramLabel = "FILE",
            description = "The process spec (JSON); the flags below are then ignored.")
    Path process;

    @Option(
            names = {"-d", "--detach"},
            description = "Return once it runs; the pid file names its stand-in.")
    boolean detach;

    @Option(names = "--pid-file", paramLabel = "FILE", description = "Write the process's id to FILE.")
    Path pidFile;

    @Option(
            names = {"-t", "--tty"},
            description = "A terminal for the process.")
    boolean tty;

    @Option(
            names = "--console-socket",
            paramLabel = "SOCKET",
            description = "A Unix socket to send the terminal's master to (SCM_RIGHTS).")
    Path consoleSocket;

    @Option(names = "--cwd", paramLabel = "DIR", description = "The working directory in the container.")
    String cwd;

    @Option(
            names = {"-e", "--env"},
            paramLabel = "KEY=VALUE",
            description = "Added to the container's environment (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(
            names = {"-u", "--user"},
            paramLabel = "UID[:GID]",
            description = "The user, numeric.")
    String user;

    @Option(
            names = {"-g", "--additional-gids"},
            paramLabel = "GID",
            description = "Supplementary groups, added to the container's (repeatable).")
    List<Long> additionalGids = new ArrayList<>();

    @Option(
            names = {"-c", "--cap"},
            paramLabel = "CAP",
            description = "Capabilities to add to the bounding, effective and permitted sets (repeatable).")
    List<String> caps = new ArrayList<>();

    @Option(names = "--no-new-privs", description = "Set no_new_privs for the process.")
    boolean noNewPrivs;

    @Option(
            names = "--apparmor",
            paramLabel = "PROFILE",
            description = "Accepted and ignored: the guest has no AppArmor.")
    String apparmor;

    @Option(
            names = "--process-label",
            paramLabel = "LABEL",
            description = "Accepted and ignored: the guest has no SELinux.")
    String processLabel;

    @Option(
            names = "--cgroup",
            paramLabel = "PATH",
            description = "Accepted and ignored: the container's cgroup is the guest's.")
    String cgroup;

    @Option(
            names = "--ignore-paused",
            description = "Do not refuse a paused container (its VM's agent still cannot answer until resume).")
    boolean ignorePaused;

    @Option(names = "--preserve-fds", paramLabel = "N", description = "Only 0: descriptors cannot cross into the VM.")
    int preserveFds;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    @Parameters(
            index = "1..*",
            paramLabel = "COMMAND",
            description = "The program and its arguments (without --process).")
    List<String> args = new ArrayList<>();

    private final InputStream in;

    RuncExec(PrintStream out, InputStream in, PrintStream err) {
        super(out, err);
        this.in = in;
    }

    @Override
    int run(OciContainers containers, RuncLog log) throws InterruptedException {
        if (preserveFds > 0)
            throw new RuncException(
                    "--preserve-fds " + preserveFds + ": jvmm-runc cannot pass descriptors into the container's VM");
        // As runc: a flag error before the container is looked up; a spec file's terminal only after.
        if (process == null && consoleSocket != null && !tty)
            throw new RuncException("cannot use console socket if runc will not detach or allocate tty");
        Pod pod = containers.get(id);
        OciProcess p = process != null ? fromFile(process) : fromFlags(pod);
        boolean terminal = p.terminal() || tty;
        if (consoleSocket != null && !terminal)
            throw new RuncException("cannot use console socket if runc will not detach or allocate tty");
        if (terminal && detach && consoleSocket == null)
            throw new RuncException("cannot allocate tty if runc will detach without setting console socket");
        if (apparmor != null || processLabel != null || cgroup != null)
            log.debug("--apparmor, --process-label and --cgroup ignored: the guest has none of them");
        ExecTranslator.request(p); // checked before anything starts
        String status = containers.state(pod).status();
        switch (status) {
            case "created", "running" -> {}
            case "paused" -> {
                if (!ignorePaused)
                    throw new RuncException("cannot exec in a paused container (use --ignore-paused to override)");
            }
            default -> throw new RuncException("cannot exec in a stopped container");
        }
        Container c = OciContainers.container(pod);
        if (detach) {
            Path spec = containers.writeExecSpec(pod, json(p));
            ProcessInfo.Id waiter;
            try {
                waiter = RuncWaiter.spawnExec(pod, spec, consoleSocket, in == System.in, global);
            } finally {
                // The waiter deletes it once read; one that died first did not.
                deleteQuietly(spec);
            }
            try {
                containers.recordExecWaiter(pod, waiter);
                if (pidFile != null) RuncCreate.writePidFile(pidFile, waiter.pid());
            } catch (RuntimeException e) {
                RuncWaiter.kill(waiter); // nobody would know of it, or wait for it
                throw e;
            }
            return 0;
        }
        String what = "exec in " + id;
        if (terminal && consoleSocket == null) {
            int[] size = Terminal.size();
            ExecRequest req = ExecTranslator.request(p).withTty(true).withSize(size[0], size[1]);
            try (Terminal raw = Terminal.raw()) {
                return foreground(WaitedExec.start(c, req, in, out, err, log, what), log, what);
            }
        }
        WaitedExec e = terminal
                ? WaitedExec.startOnTerminal(
                        c, ExecTranslator.request(p), ConsoleTerminal.send(consoleSocket), consoleSize(p), log, what)
                : WaitedExec.start(c, ExecTranslator.request(p), in, out, err, log, what);
        return foreground(e, log, what);
    }

    /** The pid file, then {@code e} to its end; returns its status. */
    private int foreground(WaitedExec e, RuncLog log, String what) throws InterruptedException {
        // runc's pid file of a foreground exec names the process; here its stand-in is this process.
        if (pidFile != null)
            RuncCreate.writePidFile(pidFile, ProcessHandle.current().pid());
        return WaitedProcess.standFor(e, log, what);
    }

    /** The spec's {@code consoleSize} as {rows, cols}, when it gives one. */
    static Optional<int[]> consoleSize(OciProcess p) {
        OciProcess.ConsoleSize s = p.consoleSize();
        return s == null || s.height() <= 0 || s.width() <= 0
                ? Optional.empty()
                : Optional.of(new int[] {(int) Math.min(s.height(), 0xffff), (int) Math.min(s.width(), 0xffff)});
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // it goes with the pod's directory
        }
    }

    private static OciProcess fromFile(Path file) {
        try {
            return BundleReader.parseProcess(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new RuncException("cannot read the process spec " + file + ": " + StateDirs.describe(e));
        }
    }

    /** runc's process from flags: the container's config.json process, with the flags' changes. */
    private OciProcess fromFlags(Pod pod) {
        if (args.isEmpty()) throw new RuncException("args must not be empty");
        String bundle = pod.record().labels().get(BundleTranslator.BUNDLE_LABEL);
        Bundle b = BundleReader.read(Path.of(bundle));
        OciProcess base = b.spec().process();
        List<String> envs = new ArrayList<>(base.env());
        for (String e : env) {
            if (e.indexOf('=') <= 0) throw new RuncException("invalid environment variable \"" + e + "\": KEY=VALUE");
            envs.add(e);
        }
        long uid = base.user().uid(), gid = base.user().gid();
        if (user != null) {
            String[] ug = user.split(":", 2);
            uid = numeric(ug[0]);
            if (ug.length == 2) gid = numeric(ug[1]);
        }
        List<Long> gids = new ArrayList<>(base.user().additionalGids());
        gids.addAll(additionalGids);
        OciProcess.Capabilities capabilities = base.capabilities();
        if (!caps.isEmpty()) {
            OciProcess.Capabilities b0 = capabilities != null
                    ? capabilities
                    : new OciProcess.Capabilities(List.of(), List.of(), List.of(), List.of(), List.of());
            capabilities = new OciProcess.Capabilities(
                    plus(b0.bounding(), caps),
                    plus(b0.effective(), caps),
                    b0.inheritable(),
                    plus(b0.permitted(), caps),
                    b0.ambient());
        }
        return new OciProcess(
                tty,
                base.consoleSize(),
                new OciProcess.User(uid, gid, base.user().umask(), gids),
                args,
                envs,
                cwd != null ? cwd : base.cwd(),
                capabilities,
                base.rlimits(),
                noNewPrivs || base.noNewPrivileges());
    }

    /** A uid or gid of {@code --user}: a uint32, as runc parses it. */
    private long numeric(String s) {
        if (!s.matches("[0-9]{1,10}") || Long.parseLong(s) > 0xffffffffL)
            throw new RuncException("invalid user \"" + user + "\": UID[:GID], both numbers");
        return Long.parseLong(s);
    }

    private static List<String> plus(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static byte[] json(OciProcess p) {
        try {
            return StateJson.mapper().writeValueAsBytes(p);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
