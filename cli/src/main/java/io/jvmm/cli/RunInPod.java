package io.jvmm.cli;

import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.UserPaths;
import io.jvmm.runtime.pod.Container;
import io.jvmm.runtime.pod.ContainerConfig;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.pod.Pods;
import io.jvmm.runtime.state.VmRecord;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code jvmm run --pod POD} and {@code jvmm create --pod POD}: the command as a new container in a pod,
 * as podman's. A pod that is not running is started (with its other containers). In the foreground the
 * container's output streams here until it exits, and its exit status is run's.
 *
 * @param rest the positionals: IMAGE (unless {@code rootfs}) then the command
 */
record RunInPod(
        String pod,
        String name,
        Path rootfs,
        boolean readOnly,
        List<String> rest,
        String entrypoint,
        List<String> env,
        String workdir,
        String user,
        String hostname,
        Map<String, String> labels,
        List<VmRecord.Mount> mounts,
        boolean tty,
        boolean interactive,
        boolean detach,
        boolean remove,
        boolean createOnly,
        Integer readyTimeout) {

    int run(PrintStream out, InputStream in, PrintStream err) throws InterruptedException {
        Engine engine = Jvmm.engine();
        Pods pods = engine.pods(err);
        Pod p = pods.get(pod);
        ContainerConfig.Builder b = ContainerConfig.builder()
                .name(name)
                .entrypoint(entrypoint)
                .workdir(workdir)
                .user(user)
                .hostname(hostname)
                .tty(tty)
                .stdin(interactive)
                .readOnlyRoot(readOnly);
        env.forEach(b::env);
        labels.forEach(b::label);
        for (VmRecord.Mount m : mounts) b.mount(p.containerMount(m));
        List<String> command = new ArrayList<>(rest);
        if (rootfs != null) {
            Path root = rootfs.toAbsolutePath().normalize();
            if (Files.isDirectory(root)) b.directory(root);
            else b.imageFile(root);
        } else {
            if (command.isEmpty())
                throw CliException.usage(
                        "run --pod needs an image: IMAGE (a reference or a root image file) or --rootfs");
            String spelled = command.removeFirst();
            Path file = UserPaths.resolve(Path.of("").toAbsolutePath(), spelled);
            if (Files.isRegularFile(file)) b.imageFile(file);
            else b.image(spelled);
            if (!command.isEmpty() && command.getFirst().equals("--")) command.removeFirst();
        }
        b.command(command);
        Container c = p.createContainer(b.build());
        if (createOnly) {
            out.println(c.record().id());
            return 0;
        }
        try {
            if (p.running()) c.start();
            else p.start(readyTimeout);
        } catch (EngineException e) {
            if (remove) c.delete(true);
            throw e;
        }
        if (detach) {
            if (remove) ContainerReaper.start(engine, c);
            out.println(c.record().id());
            return 0;
        }
        try (Terminal t = tty && interactive ? Terminal.raw() : null) {
            return new ContainerConsole(c, out, err)
                    .follow(in, interactive ? ContainerConsole.Input.UNTIL_EOF : ContainerConsole.Input.NONE, true);
        } finally {
            if (remove) c.delete(true);
        }
    }
}
