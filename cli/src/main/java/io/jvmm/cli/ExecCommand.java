package io.jvmm.cli;

import io.jvmm.agent.AgentClient;
import io.jvmm.agent.ExecRequest;
import io.jvmm.agent.ExecResult;
import io.jvmm.agent.ExecSession;
import io.jvmm.runtime.Engine;
import io.jvmm.runtime.RunningVm;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.state.ContainerRecord;
import io.jvmm.runtime.state.VmRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code jvmm exec VM CMD...}: runs a command in a running VM through its agent; exits with its status.
 * Options stop at VM (as docker's do), so {@code --} before CMD is optional.
 */
@Command(
        name = "exec",
        sortOptions = false,
        description = "Run a command in a running microVM; exits with the command's status.")
final class ExecCommand extends CliCommand {
    @Option(
            names = {"-i", "--interactive"},
            description = "Pass stdin to the command.")
    private boolean interactive;

    @Option(
            names = {"-t", "--tty"},
            description = "Run the command on a terminal.")
    private boolean tty;

    @Option(
            names = {"-e", "--env"},
            paramLabel = "KEY=VALUE",
            description = "Environment (repeatable).")
    private List<String> env = new ArrayList<>();

    @Option(
            names = {"-w", "--workdir"},
            paramLabel = "DIR",
            description = "Working directory in the guest (default: the VM's, from run -w or the image's WorkingDir).")
    private String workdir;

    @Option(
            names = {"-u", "--user"},
            paramLabel = "USER[:GROUP]",
            description = "User name or uid[:gid] in the guest (default: the VM's, from run -u or the image's User).")
    private String user;

    @Parameters(index = "0", paramLabel = "VM", description = "VM or container name, id or unique id prefix.")
    private String vm;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD", description = "The command and its arguments.")
    private List<String> command = new ArrayList<>();

    ExecCommand(PrintStream out, InputStream in, PrintStream err) {
        super(out, in, err);
    }

    @Override
    public Integer call() throws Exception {
        for (String e : env) if (e.indexOf('=') <= 0) throw CliException.usage("-e " + e + ": expected KEY=VALUE");
        // VM -- CMD: the "--" of the days when options did not stop at VM.
        if (command.getFirst().equals("--")) command.removeFirst();
        if (command.isEmpty()) throw CliException.usage("exec needs a command after the VM");
        Engine engine = Jvmm.engine();
        Optional<Container> container = ContainerTargets.find(engine, err, vm);
        if (container.isPresent()) {
            ContainerRecord c = container.get().record();
            ExecRequest req = request(orEmpty(c.workdir()), orEmpty(c.user()));
            try (Terminal t = tty && interactive ? Terminal.raw() : null) {
                return finish(container.get().exec(req, FlushingOutput.of(out), FlushingOutput.of(err)));
            }
        }
        RunningVm target = engine.running(vm);
        VmRecord r = target.record();
        AgentClient agent = target.agent();
        ExecRequest req = request(orEmpty(r.workdir()), orEmpty(r.user()));
        try (Terminal t = tty && interactive ? Terminal.raw() : null) {
            ExecSession s;
            try {
                s = agent.start(req, FlushingOutput.of(out), FlushingOutput.of(err));
            } catch (IOException e) {
                throw CliException.runtime("exec in " + r.name() + ": " + e.getMessage());
            }
            return finish(s);
        }
    }

    /** The request, with the VM's or container's working directory and user unless -w or -u. */
    private ExecRequest request(String defaultWorkdir, String defaultUser) {
        ExecRequest req = ExecRequest.of(command.toArray(String[]::new))
                .withEnv(env)
                .withCwd(workdir != null ? workdir : defaultWorkdir)
                .withUser(user != null ? user : defaultUser)
                .withTty(tty)
                .withStdin(interactive);
        if (tty) {
            int[] size = Terminal.size();
            req = req.withSize(size[0], size[1]);
        }
        return req;
    }

    /** Feeds stdin when -i, waits, and returns the program's status. */
    private int finish(ExecSession s) throws IOException, InterruptedException {
        if (interactive) s.feedStdin(in, "exec-stdin");
        ExecResult result = s.waitFor();
        if (result.error() != null) err.println("jvmm: " + result.error());
        return result.exitCode();
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}
