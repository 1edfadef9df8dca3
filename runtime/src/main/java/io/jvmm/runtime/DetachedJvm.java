package io.jvmm.runtime;

import io.jvmm.kvm.sys.ChildProcess;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.vmproc.VmLaunch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A front-end's own helper process: its entry point in a JVM like the VM processes' ({@link VmLaunch#javaCommand}),
 * in a session of its own (setsid), sharing this process's stdin, stdout and stderr, and not waited for:
 * it outlives this process, whose parent (or the nearest subreaper) then reaps it. jvmm-runc's waiter is one.
 */
public final class DetachedJvm {
    private DetachedJvm() {}

    /** Starts {@code java <jvmOptions> <entry> <args>}; returns its pid and start time. */
    public static ProcessInfo.Id start(EntryPoint entry, List<String> jvmOptions, List<String> args) {
        return spawn(entry, jvmOptions, args, Map.of(0, 0, 1, 1, 2, 2));
    }

    /**
     * As {@link #start(EntryPoint, List, List)}, but with stdin from /dev/null and stdout and stderr appended
     * to {@code output}: for a daemon whose starter's caller reads the starter's output to its end.
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
