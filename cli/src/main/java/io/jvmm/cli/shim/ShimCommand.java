package io.jvmm.cli.shim;

import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.EntryPoint;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.shim.ShimCleanup;
import io.jvmm.shim.ShimFlags;
import io.jvmm.shim.ShimPaths;
import io.jvmm.shim.ShimServer;
import io.jvmm.shim.ShimStart;
import io.jvmm.shim.task.MemberRoots;
import io.jvmm.shim.task.MountCommand;
import io.jvmm.shim.ttrpc.TtrpcException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * jvmm as containerd's runtime v2 shim: the launcher run as {@code containerd-shim-jvmm-v2} (runtime
 * {@code io.containerd.jvmm.v2}) is {@code jvmm containerd-shim ARGS}. Go-style flags, then {@code start},
 * {@code delete}, {@code -v}, or the hidden {@code serve} that {@code start} spawns. Errors are one line on
 * stderr and exit status 1, which containerd shows with the shim's output.
 */
public final class ShimCommand {
    public static final String NAME = "containerd-shim";
    static final String BINARY = "containerd-shim-jvmm-v2";

    private ShimCommand() {}

    public static int run(String[] args, EntryPoint entry, OutputStream stdout, PrintStream err) {
        PrintStream out = stdout instanceof PrintStream ps ? ps : new PrintStream(stdout, true);
        Map<String, String> env = System.getenv();
        try {
            ShimFlags flags = ShimFlags.parse(args);
            ShimPaths paths = ShimPaths.fromEnvironment(env);
            Path cwd = Path.of("").toAbsolutePath();
            switch (flags.command()) {
                case "version" -> {
                    out.println(BINARY + ":\n  Version: " + version() + "\n  Runtime: jvmm (a microVM per pod)");
                    return 0;
                }
                case "start" -> {
                    out.print(ShimStart.start(flags, paths, entry, List.of(NAME), cwd));
                    out.flush();
                    return 0;
                }
                case "delete" -> {
                    Path bundle = flags.bundle().isEmpty() ? cwd : Path.of(flags.bundle());
                    Engine engine = engine(entry, paths, flags.requireTask());
                    MountCommand mounter = new MountCommand();
                    byte[] answer = ShimCleanup.delete(
                                    flags,
                                    engine.pods(quiet()),
                                    mounter,
                                    new MemberRoots(paths.memberRoots(flags.namespace()), mounter),
                                    bundle,
                                    w -> err.println(BINARY + ": " + w))
                            .toByteArray();
                    out.write(answer);
                    out.flush();
                    return 0;
                }
                case "serve" -> {
                    Engine engine = engine(entry, paths, flags.requireTask());
                    return ShimServer.serve(
                            flags, paths, engine, env.getOrDefault("TTRPC_ADDRESS", ""), "jvmm " + version(), err);
                }
                default ->
                    throw new IllegalArgumentException(
                            "unknown command " + flags.command() + ": use start, delete or -v");
            }
        } catch (IllegalArgumentException | EngineException | TtrpcException e) {
            err.println(BINARY + ": " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println(BINARY + ": " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println(BINARY + ": interrupted");
            return 1;
        }
    }

    /** The engine over the namespace's state home; the VM processes it starts find the same state. */
    private static Engine engine(EntryPoint entry, ShimPaths paths, ShimFlags flags) {
        String home = paths.stateHome(flags.namespace()).toString();
        System.setProperty(StateDirs.HOME_PROPERTY, home);
        return new Engine(entry, new StateDirs(Map.of("JVMM_HOME", home)));
    }

    private static PrintStream quiet() {
        return new PrintStream(OutputStream.nullOutputStream());
    }

    static String version() {
        String v = ShimCommand.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
