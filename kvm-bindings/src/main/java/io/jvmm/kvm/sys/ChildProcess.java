package io.jvmm.kvm.sys;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A child process started with glibc's {@code posix_spawn(3)} that inherits exactly the descriptors it
 * is given, at the numbers it is given them. {@link ProcessBuilder} cannot do that (it closes every
 * descriptor above 2), and a helper that must receive a connected socket needs it: passt's
 * {@code --fd}. The child is held through a pidfd, so signals and the final wait can never reach a
 * later process that reuses its pid.
 *
 * <p>The child gets this process's environment, stdin from /dev/null, SIGPIPE at its default and an
 * empty signal mask; every descriptor not named is closed before exec. {@link #close()} kills a child
 * that still runs, reaps it and releases the pidfd.
 */
public final class ChildProcess implements AutoCloseable {
    private static final Linker LINKER = Linker.nativeLinker();
    /** glibc x86-64's {@code sizeof(posix_spawn_file_actions_t)} and {@code sizeof(posix_spawnattr_t)}. */
    public static final long FILE_ACTIONS_SIZE = 80, ATTR_SIZE = 336;

    public static final int POSIX_SPAWN_SETSIGDEF = 0x04, POSIX_SPAWN_SETSIGMASK = 0x08, POSIX_SPAWN_SETSID = 0x80;
    /** Descriptors are first copied to this number or above, so no dup2 target overwrites a later source. */
    private static final int STAGING_FD_MIN = 64;

    /** The spawn functions, linked on first use: only helper processes need them. */
    private static final class Spawn {
        static final MethodHandle posixSpawn = handle(
                "posix_spawn", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle fileActionsInit =
                handle("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle fileActionsDestroy =
                handle("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle addDup2 = handle(
                "posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle addClose =
                handle("posix_spawn_file_actions_addclose", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle addCloseFrom =
                handle("posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
        static final MethodHandle attrInit = handle("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle attrDestroy =
                handle("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle attrSetFlags =
                handle("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
        static final MethodHandle attrSetSigMask =
                handle("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MethodHandle attrSetSigDefault =
                handle("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        static final MemorySegment environ = LINKER.defaultLookup()
                .find("environ")
                .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol environ"))
                .reinterpret(ADDRESS.byteSize());

        private static MethodHandle handle(String name, FunctionDescriptor d) {
            return LINKER.downcallHandle(
                    LINKER.defaultLookup()
                            .find(name)
                            .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name)),
                    d);
        }
    }

    /**
     * Links the spawn functions and loads the classes a spawn may need now, for a thread about to
     * lose access to the class path (a Landlock-restricted one cannot read class files any more).
     */
    public static void prepare() {
        MethodHandle ignored = Spawn.posixSpawn;
        new NativeException("prepare", 0).getMessage();
    }

    private final long pid;
    private final int pidfd;
    private final String name;
    private int status = -1; // guarded by this; -1 until reaped
    private boolean closed; // guarded by this

    private ChildProcess(long pid, int pidfd, String name) {
        this.pid = pid;
        this.pidfd = pidfd;
        this.name = name;
    }

    /**
     * Starts {@code argv} ({@code argv[0]} an absolute path) with {@code fds}: child descriptor number to
     * this process's descriptor. Descriptors 1 and 2 not named go to /dev/null like stdin. The caller
     * keeps its own descriptors and closes them when it no longer needs them.
     */
    public static ChildProcess spawn(List<String> argv, Map<Integer, Integer> fds) {
        return spawn(argv, fds, false);
    }

    /**
     * As above; with {@code newSession} the child leads a session of its own (setsid), so it has no
     * controlling terminal and a hangup of ours does not reach it.
     */
    public static ChildProcess spawn(List<String> argv, Map<Integer, Integer> fds, boolean newSession) {
        if (argv.isEmpty() || !argv.get(0).startsWith("/"))
            throw new IllegalArgumentException("argv[0] must be an absolute path: " + argv);
        return spawn(argv.get(0), argv, null, fds, newSession);
    }

    /**
     * As above, running the program at {@code path} (absolute) with {@code argv} as given, so its
     * {@code argv[0]} may differ from the path (a multi-call program reads it), and with exactly the
     * environment {@code env} ({@code KEY=VALUE}; null: this process's).
     */
    public static ChildProcess spawn(
            String path, List<String> argv, List<String> env, Map<Integer, Integer> fds, boolean newSession) {
        if (!path.startsWith("/")) throw new IllegalArgumentException("the path must be absolute: " + path);
        if (argv.isEmpty()) throw new IllegalArgumentException("argv must hold at least argv[0]");
        String name = path.substring(path.lastIndexOf('/') + 1);
        Map<Integer, Integer> wanted = new TreeMap<>(fds);
        List<Integer> staged = new ArrayList<>();
        int devNull = Libc.open("/dev/null", Libc.O_RDWR | Libc.O_CLOEXEC);
        staged.add(devNull);
        for (int std = 0; std <= 2; std++) wanted.putIfAbsent(std, devNull);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment actions = arena.allocate(FILE_ACTIONS_SIZE, 8);
            MemorySegment attr = arena.allocate(ATTR_SIZE, 8);
            check("posix_spawn_file_actions_init", (int) Spawn.fileActionsInit.invokeExact(actions));
            check("posix_spawnattr_init", (int) Spawn.attrInit.invokeExact(attr));
            try {
                int top = 0;
                for (var e : wanted.entrySet()) {
                    int copy = Libc.dupAtLeast(e.getValue(), STAGING_FD_MIN);
                    staged.add(copy);
                    check("posix_spawn_file_actions_adddup2", (int)
                            Spawn.addDup2.invokeExact(actions, copy, (int) e.getKey()));
                    top = Math.max(top, e.getKey());
                }
                for (int fd = 3; fd < top; fd++) {
                    if (!wanted.containsKey(fd))
                        check("posix_spawn_file_actions_addclose", (int) Spawn.addClose.invokeExact(actions, fd));
                }
                check("posix_spawn_file_actions_addclosefrom_np", (int)
                        Spawn.addCloseFrom.invokeExact(actions, top + 1));
                MemorySegment noSignals = arena.allocate(Libc.SIGSET_SIZE);
                MemorySegment sigpipe = arena.allocate(Libc.SIGSET_SIZE);
                sigpipe.set(JAVA_INT, 0, 1 << (Libc.SIGPIPE - 1));
                check("posix_spawnattr_setsigmask", (int) Spawn.attrSetSigMask.invokeExact(attr, noSignals));
                check("posix_spawnattr_setsigdefault", (int) Spawn.attrSetSigDefault.invokeExact(attr, sigpipe));
                short flags = (short)
                        (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | (newSession ? POSIX_SPAWN_SETSID : 0));
                check("posix_spawnattr_setflags", (int) Spawn.attrSetFlags.invokeExact(attr, flags));
                MemorySegment cArgv = cStrings(arena, argv);
                MemorySegment pidOut = arena.allocate(JAVA_INT);
                MemorySegment cEnv = env == null ? Spawn.environ.get(ADDRESS, 0) : cStrings(arena, env);
                int rc = (int)
                        Spawn.posixSpawn.invokeExact(pidOut, Libc.cString(arena, path), actions, attr, cArgv, cEnv);
                if (rc != 0) throw new NativeException("posix_spawn(" + path + ")", rc);
                int pid = pidOut.get(JAVA_INT, 0);
                // The child cannot be reaped before we wait for it, so this pidfd is surely its own.
                return new ChildProcess(pid, ProcessSyscalls.pidfdOpen(pid), name);
            } finally {
                int ignored = (int) Spawn.fileActionsDestroy.invokeExact(actions);
                ignored = (int) Spawn.attrDestroy.invokeExact(attr);
            }
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new AssertionError(t); // a downcall does not throw
        } finally {
            for (int fd : staged) Libc.close(fd);
        }
    }

    /** A NULL-terminated array of C strings, as execve's argv and envp. */
    private static MemorySegment cStrings(Arena arena, List<String> strings) {
        MemorySegment a = arena.allocate(ADDRESS, strings.size() + 1L);
        for (int i = 0; i < strings.size(); i++) a.setAtIndex(ADDRESS, i, Libc.cString(arena, strings.get(i)));
        return a;
    }

    private static void check(String call, int rc) {
        if (rc != 0) throw new NativeException(call, rc); // these return the error number itself
    }

    /** The child's pid (for diagnostics: signal it through this object). */
    public long pid() {
        return pid;
    }

    /** True until the child has exited. */
    public boolean isAlive() {
        return exitStatus() < 0;
    }

    /** The exit status (128 + signal when a signal ended it), or -1 while it runs. */
    public synchronized int exitStatus() {
        if (status < 0 && !closed) status = ProcessSyscalls.waitPidfd(pidfd);
        return status;
    }

    /** Waits up to {@code timeout} for the child to end; returns {@link #exitStatus()}. */
    public int waitFor(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int s;
        while ((s = exitStatus()) < 0) {
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) return -1;
            if (Thread.interrupted()) throw new InterruptedException();
            // A pidfd is readable once its process has exited; short slices keep interrupts prompt.
            synchronized (this) {
                if (closed) return status;
            }
            Libc.poll(pidfd, Libc.POLLIN, (int) Math.min(left, 100));
        }
        return s;
    }

    /** Sends {@code signal} unless the child has already exited. */
    public synchronized void signal(int signal) {
        if (status < 0 && !closed) ProcessSyscalls.pidfdSendSignal(pidfd, signal);
    }

    /** SIGTERM, then SIGKILL after {@code grace}; returns the exit status. */
    public int terminate(Duration grace) throws InterruptedException {
        signal(Libc.SIGTERM);
        int s = waitFor(grace);
        if (s >= 0) return s;
        signal(Libc.SIGKILL);
        return waitFor(Duration.ofSeconds(10));
    }

    /**
     * Lets the child outlive this object: a daemon thread waits for it to exit, reaps it and closes
     * the pidfd, so it never lingers as a zombie of a long-lived JVM. Do not use this object after.
     */
    public void reapInBackground() {
        Thread.ofPlatform().daemon().name("reap-" + name + "-" + pid).start(() -> {
            try {
                while (waitFor(Duration.ofDays(1)) < 0) {
                    // still running
                }
            } catch (InterruptedException ignored) {
                // the JVM is going away; init reaps the child
            } finally {
                releasePidfd();
            }
        });
    }

    @Override
    public String toString() {
        return name + " (pid " + pid + ")";
    }

    /** Kills the child if it still runs, reaps it and closes the pidfd. Idempotent. */
    @Override
    public void close() {
        try {
            if (isAlive()) {
                signal(Libc.SIGKILL);
                waitFor(Duration.ofSeconds(10));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            releasePidfd();
        }
    }

    private synchronized void releasePidfd() {
        if (!closed) {
            closed = true;
            Libc.close(pidfd);
        }
    }
}
