package io.jvmm.runtime;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import io.jvmm.kvm.sys.ChildProcess;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.vmproc.VmLaunch;
import java.io.ByteArrayOutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A front-end's own helper process: its entry point in a JVM like the VM processes' ({@link VmLaunch#javaCommand}),
 * in a session of its own (setsid), and not waited for: it outlives this process, whose parent (or the
 * nearest subreaper) then reaps it. jvmm-runc's waiters and the shim's server are such helpers.
 */
public final class DetachedJvm {
    /** The helper's end of the report pipe of {@link #startReporting}. */
    public static final int REPORT_FD = 3;

    /**
     * A helper started by {@link #startReporting}: its pid and start time, and what it reported (empty when
     * it ended or closed the pipe without a word).
     */
    public record Reported(ProcessInfo.Id id, String report) {}

    private DetachedJvm() {}

    /**
     * Starts {@code java <jvmOptions> <entry> <args>} with stdin from /dev/null and stdout and stderr appended
     * to {@code output}: for a daemon whose starter's caller reads the starter's output to its end. Returns
     * its pid and start time.
     */
    public static ProcessInfo.Id start(EntryPoint entry, List<String> jvmOptions, List<String> args, Path output) {
        int in = Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC);
        try {
            int out = Libc.open(output.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND | Libc.O_CLOEXEC, 0600);
            try {
                return spawn(entry, jvmOptions, args, Map.of(0, in, 1, out, 2, out));
            } finally {
                Libc.close(out);
            }
        } finally {
            Libc.close(in);
        }
    }

    /**
     * Starts {@code java <jvmOptions> <entry> <args>} with this process's stdout and stderr, and a pipe on
     * the helper's descriptor {@link #REPORT_FD}:
     * returns once the helper has closed it ({@link #report}) or ended, with what it wrote. For a helper
     * whose starter must say whether it got going (jvmm-runc's waiters). Without {@code inheritStdin} the
     * helper's stdin is /dev/null: for a starter whose own stdin is not its caller's (an embedding JVM's).
     */
    public static Reported startReporting(
            EntryPoint entry, List<String> jvmOptions, List<String> args, boolean inheritStdin) {
        int[] pipe = Libc.pipe();
        ProcessInfo.Id id;
        int in = inheritStdin ? 0 : -1;
        try {
            if (!inheritStdin) in = Libc.open("/dev/null", Libc.O_RDONLY | Libc.O_CLOEXEC);
            id = spawn(entry, jvmOptions, args, Map.of(0, in, 1, 1, 2, 2, REPORT_FD, pipe[1]));
        } catch (RuntimeException e) {
            Libc.close(pipe[0]);
            throw e;
        } finally {
            Libc.close(pipe[1]);
            if (in > 0) Libc.close(in);
        }
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            long n;
            while ((n = Libc.read(pipe[0], buf)) > 0)
                report.writeBytes(buf.asSlice(0, n).toArray(JAVA_BYTE));
        } finally {
            Libc.close(pipe[0]);
        }
        return new Reported(id, report.toString(StandardCharsets.UTF_8));
    }

    /** In a helper started by {@link #startReporting}: writes {@code text} to its starter and closes the pipe. */
    public static void report(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocateFrom(JAVA_BYTE, b);
            for (long off = 0; off < b.length; ) off += Libc.write(REPORT_FD, buf.asSlice(off));
        } finally {
            Libc.close(REPORT_FD);
        }
    }

    private static ProcessInfo.Id spawn(
            EntryPoint entry, List<String> jvmOptions, List<String> args, Map<Integer, Integer> fds) {
        List<String> cmd = new ArrayList<>(VmLaunch.javaCommand(entry, VmLaunch.javaLauncher(), null));
        cmd.addAll(1, jvmOptions);
        cmd.addAll(args);
        // Not closed: closing kills the child, which must live on after this process.
        ChildProcess p = ChildProcess.spawn(cmd, fds, true);
        return new ProcessInfo.Id(p.pid(), ProcessInfo.startTime(p.pid()).orElse(0));
    }
}
