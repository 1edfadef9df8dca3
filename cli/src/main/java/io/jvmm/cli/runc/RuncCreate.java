package io.jvmm.cli.runc;

import io.jvmm.files.AtomicFiles;
import io.jvmm.runc.Bundle;
import io.jvmm.runc.BundleReader;
import io.jvmm.runc.BundleTranslation;
import io.jvmm.runc.BundleTranslator;
import io.jvmm.runc.FileBindShare;
import io.jvmm.runc.LifecycleHooks;
import io.jvmm.runtime.pod.Pod;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.state.StateDirs;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code runc create}: the bundle read and translated, its file binds placed ({@link FileBindShare}), its
 * pod created and booted, the container prepared in the guest and left waiting for {@code start}; the pid
 * file names the waiter ({@link RuncWaiter}), a process that lives as long as the container's init and
 * exits with its status. Without a terminal, create's stdio is the init's (the waiter relays it); with
 * {@code process.terminal}, the terminal's master goes to {@code --console-socket} before create returns.
 */
@Command(
        name = "create",
        sortOptions = false,
        description = "Create a container (its VM boots; its program waits for 'start').")
final class RuncCreate extends RuncSubcommand {
    @Option(
            names = {"-b", "--bundle"},
            paramLabel = "DIR",
            description = "The bundle: config.json and the root file system (default: the current directory).")
    Path bundle = Path.of("");

    @Option(names = "--pid-file", paramLabel = "FILE", description = "Write the container's process id to FILE.")
    Path pidFile;

    @Option(
            names = "--console-socket",
            paramLabel = "SOCKET",
            description = "A Unix socket to send the terminal's master to (SCM_RIGHTS), for process.terminal.")
    Path consoleSocket;

    @Option(names = "--no-pivot", description = "Accepted and ignored: the guest agent chooses.")
    boolean noPivot;

    @Option(names = "--no-new-keyring", description = "Accepted and ignored: the keyring is the guest's.")
    boolean noNewKeyring;

    @Option(
            names = "--preserve-fds",
            paramLabel = "N",
            description = "Descriptors to pass to the container; only 0: they cannot cross into the VM.")
    int preserveFds;

    @Parameters(index = "0", paramLabel = "ID")
    String id;

    private final InputStream in;

    RuncCreate(PrintStream out, InputStream in, PrintStream err) {
        super(out, err);
        this.in = in;
    }

    @Override
    int run(OciContainers containers, RuncLog log) throws InterruptedException {
        BundleTranslator.checkId(id);
        if (containers.find(id).isPresent()) throw new RuncException("container with id exists: " + id);
        if (preserveFds > 0)
            throw new RuncException(
                    "--preserve-fds " + preserveFds + ": jvmm-runc cannot pass descriptors into the container's VM");
        if (noPivot) log.debug("--no-pivot ignored: the guest agent sets up the container's root");
        if (noNewKeyring) log.debug("--no-new-keyring ignored: the container's keyring is its VM's");
        Bundle b = BundleReader.read(bundle.toAbsolutePath().normalize());
        boolean terminal = b.spec().process().terminal();
        if (terminal && consoleSocket == null)
            throw new RuncException("cannot allocate tty if runc will detach without setting console socket");
        if (!terminal && consoleSocket != null)
            throw new RuncException("cannot use console socket if runc will not detach or allocate tty");
        BundleTranslation t = BundleTranslator.translate(b, id);
        Path filesDir = containers.fileShareDir(id);
        FileBindShare.remove(filesDir); // what a create that died midway left
        FileBindShare files = FileBindShare.place(t.binds(), filesDir);
        Pod pod;
        try {
            if (files != null) t = BundleTranslator.translate(b, id, files.placer());
            pod = containers.pods().create(files == null ? t.pod() : t.pod().withMount(files.podMount()));
        } catch (RuntimeException e) {
            FileBindShare.remove(filesDir);
            throw e;
        }
        ProcessInfo.Id waiter = null;
        OciContainers.Extra extra = null;
        try {
            // Without a terminal, create's stdin is the init's: a pipe its waiter feeds.
            pod.createContainer(t.container().withStdin(!terminal));
            pod.boot(null);
            // An embedding JVM's stdin is not its caller's: only a process of its own hands it on.
            waiter = RuncWaiter.spawn(pod, consoleSocket, in == System.in, global);
            extra = new OciContainers.Extra(
                    waiter.pid(),
                    waiter.startTime(),
                    b.rootfs().toString(),
                    System.getProperty("user.name", ""),
                    b.spec().annotations(),
                    t.hooks());
            containers.writeExtra(pod, extra);
            containers.hooks(pod, extra).create();
            if (pidFile != null) writePidFile(pidFile, waiter.pid());
            return 0;
        } catch (RuntimeException | InterruptedException e) {
            LifecycleHooks hooks = extra == null ? null : containers.hooks(pod, extra);
            // The waiter first: it would report the VM going away under it as the container's error.
            if (waiter != null) RuncWaiter.kill(waiter);
            try {
                pod.delete(true);
                FileBindShare.remove(filesDir);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            // The lifecycle goes on at delete, as after a failed create hook: the poststop hooks run.
            if (hooks != null) hooks.afterDelete().forEach(log::warning);
            throw e;
        }
    }

    /** runc's pid file: the number alone, replaced atomically (conmon reads it once create returns). */
    static void writePidFile(Path file, long pid) {
        try {
            AtomicFiles.replace(file.toAbsolutePath(), Long.toString(pid).getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
            throw new RuncException("cannot write the pid file " + file + ": " + StateDirs.describe(e));
        }
    }
}
