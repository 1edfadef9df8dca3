package io.jvmm.runc;

import io.jvmm.files.FileTrees;
import io.jvmm.kvm.sys.ChildProcess;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.NativeException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs hooks on the host as the OCI runtime spec says: in order, each hook's {@code path} executed
 * with its {@code args} as argv ({@code argv[0]} included; none given: the path), exactly its {@code env}
 * (not given: the runtime's, as runc does), the container's state on stdin, in the runtime's working
 * directory, killed once past its {@code timeout}. Its stdout and stderr go to files, not pipes, so a
 * hook that leaves a daemon holding them cannot hang the runtime; a failing hook's error quotes them.
 */
public final class HookRunner {
    /** How much of a failing hook's stdout and of its stderr its error quotes. */
    static final int QUOTED_BYTES = 2048;

    private HookRunner() {}

    /**
     * Runs {@code hooks} of {@code kind} (config.json's name) in order; the first that fails stops the
     * rest and is the exception (prestart, createRuntime, createContainer, startContainer).
     */
    public static void run(String kind, List<OciHooks.Hook> hooks, HookState state) throws InterruptedException {
        for (int i = 0; i < hooks.size(); i++) runOne(kind, i, hooks.get(i), state);
    }

    /**
     * Runs every hook of {@code kind} even when some fail, and returns the failures' messages: a
     * poststart or poststop hook that fails is a warning, and the lifecycle goes on.
     */
    public static List<String> runAll(String kind, List<OciHooks.Hook> hooks, HookState state)
            throws InterruptedException {
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < hooks.size(); i++) {
            try {
                runOne(kind, i, hooks.get(i), state);
            } catch (HookException e) {
                failures.add(e.getMessage());
            }
        }
        return failures;
    }

    private static void runOne(String kind, int index, OciHooks.Hook hook, HookState state)
            throws InterruptedException {
        String what = prefix(kind, index, hook);
        Path dir;
        try {
            dir = Files.createTempDirectory(
                    "jvmm-hook-", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new HookException(what + "cannot make a directory for its input and output: " + e.getMessage());
        }
        try {
            Path in = Files.write(dir.resolve("state.json"), state.json());
            Path out = dir.resolve("stdout"), err = dir.resolve("stderr");
            int status = spawnAndWait(what, hook, in, out, err);
            if (status != 0) throw new HookException(what + ended(status) + output(out, err));
        } catch (IOException e) {
            throw new HookException(what + e.getMessage());
        } finally {
            FileTrees.deleteQuietly(dir);
        }
    }

    /** The hook's exit status (128 + signal when a signal ended it); a HookException when it timed out. */
    private static int spawnAndWait(String what, OciHooks.Hook hook, Path in, Path out, Path err)
            throws InterruptedException, IOException {
        List<String> argv = hook.args().isEmpty() ? List.of(hook.path()) : hook.args();
        int inFd = -1, outFd = -1, errFd = -1;
        try {
            inFd = Libc.open(in.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
            outFd = Libc.open(out.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC, 0600);
            errFd = Libc.open(err.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC, 0600);
            try (ChildProcess p =
                    ChildProcess.spawn(hook.path(), argv, hook.env(), Map.of(0, inFd, 1, outFd, 2, errFd), false)) {
                Libc.close(inFd);
                Libc.close(outFd);
                Libc.close(errFd);
                inFd = outFd = errFd = -1;
                int status = p.waitFor(timeLimit(hook));
                if (status < 0) {
                    p.close(); // SIGKILL, as runc does when a hook runs past its timeout
                    throw new HookException(
                            what + "ran past its timeout of " + hook.timeout() + "s" + output(out, err));
                }
                return status;
            }
        } catch (NativeException e) {
            throw new HookException(what + e.getMessage());
        } finally {
            for (int fd : new int[] {inFd, outFd, errFd}) if (fd >= 0) Libc.close(fd);
        }
    }

    /** How long {@code hook} may run: its timeout, or without one as good as forever (as runc waits). */
    static Duration timeLimit(OciHooks.Hook hook) {
        return hook.timeout() == null ? Duration.ofDays(3650) : Duration.ofSeconds(hook.timeout());
    }

    /** The start of a failing hook's error: {@code error running KIND hook #INDEX (PATH): }. */
    static String prefix(String kind, int index, OciHooks.Hook hook) {
        return "error running " + kind + " hook #" + index + " (" + hook.path() + "): ";
    }

    /** Why a hook with exit status {@code status} (128 + signal when a signal ended it) failed. */
    static String ended(int status) {
        return status > 128 && status < 128 + 65 ? "signal: " + (status - 128) : "exit status " + status;
    }

    private static String output(Path out, Path err) throws IOException {
        return output(head(out), head(err));
    }

    /**
     * {@code , stdout: ..., stderr: ...} with the start of each ({@link #QUOTED_BYTES}; more is marked
     * {@code ...}) on one line, as runc's error has them.
     */
    static String output(byte[] out, byte[] err) {
        return ", stdout: " + quote(out) + ", stderr: " + quote(err);
    }

    private static byte[] head(Path f) throws IOException {
        if (!Files.exists(f)) return new byte[0];
        try (InputStream s = Files.newInputStream(f)) {
            return s.readNBytes(QUOTED_BYTES + 1);
        }
    }

    private static String quote(byte[] b) {
        String text = new String(b, 0, Math.min(b.length, QUOTED_BYTES), StandardCharsets.UTF_8).strip();
        return text.replace("\n", "\\n") + (b.length > QUOTED_BYTES ? "..." : "");
    }
}
