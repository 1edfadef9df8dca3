package io.jvmm.core.jail;

import io.jvmm.kvm.sys.ChildProcess;
import io.jvmm.kvm.sys.ProcessSyscalls;
import io.jvmm.kvm.sys.Seccomp;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Confines a VM process, the jailer's job done in-process: its files through a
 * {@link FilesystemPolicy} from its first instruction, its system calls through a
 * {@link SeccompProgram} once it has built the VM, and optionally its uid and gid.
 *
 * <p>Landlock restricts only the calling thread (Linux has no thread-synchronised variant before
 * ABI 8), and a JVM cannot restrict the threads it already runs. So the policy is applied on a
 * thread made for the purpose, which then starts the confined process: every thread of that process
 * inherits the restriction, and the caller's own threads keep theirs.
 */
public final class Jail {
    /** A started, confined process and the Landlock ABI it runs under (0: no Landlock on this kernel). */
    public record Spawned(ChildProcess process, int landlockAbi) {}

    private Jail() {}

    /**
     * Starts {@code argv} with {@code fds} (see {@link ChildProcess#spawn}) confined to {@code files},
     * which must allow /dev/null (what the child gets for the standard descriptors not in {@code fds}).
     */
    public static Spawned spawn(
            FilesystemPolicy files, List<String> argv, Map<Integer, Integer> fds, boolean newSession)
            throws InterruptedException {
        AtomicReference<ChildProcess> child = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        int[] abi = new int[1];
        ChildProcess.prepare();
        Thread t = Thread.ofPlatform().name("jail-spawn").start(() -> {
            // Nothing here may load a class after the restriction: class files are out of reach then.
            try {
                abi[0] = files.restrictCurrentThread();
                child.set(ChildProcess.spawn(argv, fds, newSession));
            } catch (Throwable e) {
                failure.set(e);
            }
        });
        t.join();
        Throwable f = failure.get();
        if (f instanceof RuntimeException e) throw e;
        if (f instanceof Error e) throw e;
        return new Spawned(child.get(), abi[0]);
    }

    /**
     * Installs {@code program} on every thread of this process, setting no_new_privs first. From
     * here on a system call off the list ends the process (or gets the program's default action).
     */
    public static void confineSystemCalls(SeccompProgram program) {
        Seccomp.setNoNewPrivs();
        Seccomp.installOnAllThreads(program.bytes());
    }

    /**
     * Becomes {@code uid}:{@code gid} on every thread, for good; only root may. Files already open
     * stay usable, which is why a VM process drops only after it has opened /dev/kvm and its images.
     * Every jar on the class path is opened first (a lookup that finds nothing searches them all), so
     * classes still load afterwards when the new user may not read the jars.
     */
    public static void dropPrivileges(int uid, int gid) {
        if (uid < 0 || gid < 0) throw new IllegalArgumentException("uid and gid must be >= 0, got " + uid + ":" + gid);
        ClassLoader.getSystemClassLoader().getResource("io/jvmm/core/jail/open-every-jar-before-dropping-privileges");
        ProcessSyscalls.dropPrivileges(uid, gid);
    }
}
