package io.jvmm.shim;

import io.jvmm.runtime.Engine;
import io.jvmm.shim.task.EventSink;
import io.jvmm.shim.task.ForwardingEvents;
import io.jvmm.shim.task.MemberRoots;
import io.jvmm.shim.task.MountCommand;
import io.jvmm.shim.task.TaskService;
import io.jvmm.shim.ttrpc.TtrpcServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The shim's long-lived process ({@code serve}, spawned by {@code start}): the Task service on its
 * socket until containerd's Shutdown finds no task left, events forwarded to containerd's ttrpc socket
 * ({@code TTRPC_ADDRESS}). Log lines go to stderr, which {@code start} pointed at the shim's log file.
 */
public final class ShimServer {
    private ShimServer() {}

    /** Serves until shut down; returns the process's exit status. */
    public static int serve(
            ShimFlags flags, ShimPaths paths, Engine engine, String ttrpcAddress, String version, PrintStream err)
            throws IOException, InterruptedException {
        flags.requireTask();
        if (flags.socket().isEmpty()) throw new IllegalArgumentException("serve needs -socket");
        Consumer<String> log = line -> err.println(Instant.now() + " " + line);
        AtomicReference<TtrpcServer> serving = new AtomicReference<>();
        EventSink events = EventSink.NONE;
        ForwardingEvents forwarding = null;
        if (!ttrpcAddress.isEmpty()) {
            forwarding = new ForwardingEvents(Path.of(stripUnix(ttrpcAddress)), flags.namespace(), log);
            events = forwarding;
        } else {
            log.accept("shim: TTRPC_ADDRESS is not set: task events are not sent to containerd");
        }
        MountCommand mounter = new MountCommand();
        TaskService tasks = new TaskService(
                engine.pods(new PrintStream(OutputStream.nullOutputStream())),
                (pod, pause) -> engine.pause(pod.id(), pause),
                mounter,
                new MemberRoots(paths.memberRoots(flags.namespace()), mounter),
                events,
                log,
                () -> serving.get().stopAfterReply(),
                version);
        Path socket = Path.of(flags.socket());
        try (TtrpcServer server = TtrpcServer.bind(socket, List.of(tasks.ttrpc()), log)) {
            serving.set(server); // before the first request: Shutdown's handler reaches the server
            server.start();
            log.accept("shim: serving " + flags.namespace() + "/" + flags.id() + " on " + socket);
            server.awaitStop();
            log.accept("shim: shut down");
        } finally {
            if (forwarding != null) forwarding.close();
        }
        return 0;
    }

    /** containerd writes socket addresses as {@code unix:///path} or a bare path. */
    static String stripUnix(String address) {
        return address.startsWith("unix://") ? address.substring("unix://".length()) : address;
    }
}
