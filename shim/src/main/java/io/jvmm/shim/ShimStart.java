package io.jvmm.shim;

import io.jvmm.runtime.DetachedJvm;
import io.jvmm.runtime.EntryPoint;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.shim.task.CriRole;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code start} command: spawns the shim server for the task (or finds it already serving; for a
 * container of a Kubernetes pod, the pod's sandbox's server), waits until its socket answers, writes
 * the address to the bundle's {@code address} file and returns it for printing. The server's output
 * goes to its log file, not to this command's stdout, which containerd reads to its end.
 */
public final class ShimStart {
    private static final Duration READY = Duration.ofSeconds(60);

    private ShimStart() {}

    /** The address containerd is to connect to, {@code unix:///...}. */
    public static String start(ShimFlags flags, ShimPaths paths, EntryPoint entry, List<String> command, Path bundle)
            throws IOException, InterruptedException {
        flags.requireTask();
        // containerd runs start in the task's bundle; anywhere else it would leave an address file behind
        if (!Files.isRegularFile(bundle.resolve("config.json")))
            throw new IllegalArgumentException(
                    "start runs in the task's bundle, and " + bundle + " has no config.json");
        CriRole role = CriRole.ofBundle(bundle);
        if (role.member()) {
            // a Kubernetes pod's containers run in its sandbox's VM, so their tasks go to the sandbox's shim
            Path sandbox = paths.socket(flags.address(), flags.namespace(), role.sandboxId());
            if (!answers(sandbox))
                throw new IOException("the shim of sandbox " + role.sandboxId() + " of container " + flags.id()
                        + " is not serving at " + sandbox);
            return written(bundle, "unix://" + sandbox);
        }
        Path socket = paths.socket(flags.address(), flags.namespace(), flags.id());
        if (!answers(socket)) {
            Files.createDirectories(socket.getParent());
            Files.deleteIfExists(socket);
            Path log = paths.log(flags.namespace(), flags.id());
            Files.createDirectories(log.getParent());
            List<String> args = new ArrayList<>(command);
            args.addAll(flags.forServe(socket.toString()));
            ProcessInfo.Id server = DetachedJvm.start(entry, List.of(), args, log);
            awaitServing(socket, server, log);
        }
        return written(bundle, "unix://" + socket);
    }

    /** containerd reads the bundle's {@code address} file when it reconnects after a restart. */
    private static String written(Path bundle, String address) throws IOException {
        Files.writeString(bundle.resolve("address"), address, StandardCharsets.UTF_8);
        return address;
    }

    private static void awaitServing(Path socket, ProcessInfo.Id server, Path log)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + READY.toNanos();
        while (!answers(socket)) {
            if (!ProcessInfo.isAlive(server))
                throw new IOException(
                        "the shim server exited before serving: " + lastLine(log) + " (log: " + log + ")");
            if (System.nanoTime() > deadline)
                throw new IOException("the shim server did not serve " + socket + " within " + READY.toSeconds()
                        + " s (log: " + log + ")");
            Thread.sleep(20);
        }
    }

    /** Whether a server accepts on {@code socket}. */
    static boolean answers(Path socket) {
        if (!Files.exists(socket)) return false;
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String lastLine(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return lines.isEmpty() ? "no output" : lines.getLast();
        } catch (IOException e) {
            return "no log";
        }
    }
}
