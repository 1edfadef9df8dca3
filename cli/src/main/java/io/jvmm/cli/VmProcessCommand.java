package io.jvmm.cli;

import io.jvmm.runtime.Engine;
import io.jvmm.runtime.EntryPoint;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.vmproc.VmRun;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The hidden {@code jvmm __vm-process ID}: the detached VM process that {@code run -d} starts
 * ({@link VmRun#detached}). It records its pid in the VM's state, runs the VM and records how it ended.
 */
@Command(name = EntryPoint.VM_PROCESS, hidden = true, description = "Runs a detached VM (started by 'jvmm run -d').")
final class VmProcessCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID")
    private String id;

    @Option(names = "--ready-timeout", paramLabel = "SECONDS")
    private Integer readyTimeout;

    @Option(names = "--restore", paramLabel = "DIR", description = "Restore this snapshot instead of booting.")
    private Path restore;

    @Option(
            names = "--kernel",
            paramLabel = "FILE",
            description = "The guest kernel (default: as 'jvmm run' finds it).")
    private Path kernel;

    @Option(
            names = "--network-fd",
            paramLabel = "FD",
            description = "A socket connected to the passt its launcher started, or with --network-interface a TAP.")
    private Integer networkFd;

    @Option(
            names = "--network-interface",
            paramLabel = "NAME,MAC,CIDR,GATEWAY,MTU",
            description = "The network namespace's interface the TAP --network-fd is joined to.")
    private String networkInterface;

    @Override
    public Integer call() throws Exception {
        return VmRun.detached(VmRun.Detached.of(id, kernel, readyTimeout, restore, networkFd, networkInterface));
    }

    /** {@code jvmm run} without -d: this process is the VM process, the terminal the workload's. */
    static int runInForeground(
            Engine engine,
            VmRecord r,
            Path kernel,
            Integer readyTimeout,
            OutputStream out,
            InputStream in,
            PrintStream err)
            throws Exception {
        boolean raw = r.tty() && r.interactive();
        try (Terminal t = raw ? Terminal.raw() : null) {
            return engine.runInForeground(r, kernel, readyTimeout, out, in, err);
        }
    }
}
