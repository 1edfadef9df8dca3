package io.jvmm.runtime.boot;

import io.jvmm.core.NetConfig;
import io.jvmm.core.VmConfig;
import io.jvmm.core.backend.net.PasstBackend;
import io.jvmm.core.jail.Jail;
import io.jvmm.core.jail.SyscallAllowList;
import io.jvmm.kvm.sys.ChildProcess;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.runtime.EngineException;
import io.jvmm.runtime.EntryPoint;
import io.jvmm.runtime.vmproc.VmLaunch;
import io.jvmm.runtime.vmproc.VmProcessPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import sun.misc.Signal;

/**
 * {@code jvmm boot --sandbox}: this process cannot confine the threads it already runs, so it starts
 * the same boot again as a confined child ({@link Jail}: Landlock from its first instruction, passt
 * started here and handed over) and waits for it; the child ({@code --confined}) installs seccomp and
 * drops to {@code --uid}/{@code --gid} once its VM is built. The child shares this terminal.
 */
public final class BootSandbox {
    /** The flag the confined child is started with. */
    public static final String CONFINED = "--confined";
    /** The flag that tells the confined child where its passt socket is. */
    public static final String NETWORK_FD = "--network-fd";

    private static final int PASST_FD = 3;
    private static final int SIGUSR1 = 10;

    private BootSandbox() {}

    /**
     * Runs {@code boot args} confined (a JVM started at {@code entry}) and returns its exit status. {@code config} is what those
     * arguments describe (the policy is made from it); the paths are the files the child reads or
     * writes; with {@code snapshotOnSignal} a SIGUSR1 here is passed on to the child.
     */
    public static int relaunch(
            EntryPoint entry,
            List<String> args,
            VmConfig config,
            Path hacFile,
            Path restoreDir,
            Path snapshotDir,
            boolean snapshotOnSignal) {
        Path java = VmLaunch.javaLauncher();
        List<String> cmd = VmLaunch.javaCommand(entry, java, null);
        cmd.add("boot");
        cmd.addAll(args);
        cmd.add(CONFINED);
        Map<Integer, Integer> fds = new HashMap<>(Map.of(0, 0, 1, 1, 2, 2));
        PasstBackend.Handoff passt = null;
        NetConfig n = config.net();
        try {
            if (snapshotDir != null) Files.createDirectories(snapshotDir);
            if (n != null && !n.isTap()) {
                passt = PasstBackend.spawnForHandoff("network", n.forwards(), n.ipv4(), 2);
                fds.put(PASST_FD, passt.socket());
                cmd.addAll(List.of(NETWORK_FD, Integer.toString(PASST_FD)));
            }
            Jail.Spawned s;
            try {
                s = Jail.spawn(
                        VmProcessPolicy.forBoot(config, java, hacFile, restoreDir, snapshotDir), cmd, fds, false);
            } finally {
                // The child has its own copy: passt sees the socket's end when the child's closes.
                if (passt != null) Libc.close(passt.socket());
            }
            if (s.landlockAbi() == 0)
                System.err.println("jvmm: landlock: not available on this kernel; the VMM's files are not confined");
            try (ChildProcess child = s.process()) {
                // A signal to this process (Ctrl-C reaches both) waits for the child's own clean end.
                Thread hook = new Thread(() -> {
                    try {
                        child.terminate(Duration.ofSeconds(5));
                    } catch (InterruptedException ignored) {
                        // exiting anyway
                    }
                });
                Runtime.getRuntime().addShutdownHook(hook);
                // --snapshot-on-signal: the user signals the process they started, this one.
                if (snapshotOnSignal) Signal.handle(new Signal("USR1"), sig -> child.signal(SIGUSR1));
                int status;
                while ((status = child.waitFor(Duration.ofDays(1))) < 0) {
                    // still running
                }
                Runtime.getRuntime().removeShutdownHook(hook);
                return status;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EngineException.runtime("interrupted while the sandboxed VMM ran");
        } catch (IOException e) {
            throw EngineException.runtime("cannot create " + snapshotDir + ": " + e.getMessage());
        } finally {
            if (passt != null) passt.process().reapInBackground();
        }
    }

    /** The confined child's step between building the VM and running it: drop ids, then seccomp. */
    public static Runnable confinement(Integer uid, Integer gid) {
        return () -> {
            // Read while the class path is still readable: after the drop it may not be.
            var program = SyscallAllowList.vmProcess().program();
            if (uid != null) Jail.dropPrivileges(uid, gid);
            Jail.confineSystemCalls(program);
        };
    }

    /**
     * The arguments after {@code boot} in {@code original} (the command line as given, with or without
     * the subcommand's name), without {@code --sandbox}, which the child must not see again.
     */
    public static List<String> childArgs(List<String> original) {
        List<String> out = new ArrayList<>();
        int from = !original.isEmpty() && original.get(0).equals("boot") ? 1 : 0;
        for (String a : original.subList(from, original.size())) if (!a.equals("--sandbox")) out.add(a);
        return out;
    }
}
