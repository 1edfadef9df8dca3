package io.jvmm.runtime;

import io.jvmm.kvm.sys.ChildProcess;
import io.jvmm.runtime.state.ProcessInfo;
import io.jvmm.runtime.vmproc.VmLaunch;
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
        List<String> cmd = new ArrayList<>(VmLaunch.javaCommand(entry, VmLaunch.javaLauncher(), null));
        cmd.addAll(1, jvmOptions);
        cmd.addAll(args);
        // Not closed: closing kills the child, which must live on after this process.
        ChildProcess p = ChildProcess.spawn(cmd, Map.of(0, 0, 1, 1, 2, 2), true);
        return new ProcessInfo.Id(p.pid(), ProcessInfo.startTime(p.pid()).orElse(0));
    }
}
