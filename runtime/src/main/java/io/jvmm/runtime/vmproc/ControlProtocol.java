package io.jvmm.runtime.vmproc;

/**
 * The VM process's control socket ({@code ctl.sock} in the VM's runtime directory): the client sends
 * one request line, the server answers {@code OK} or {@code ERR <message>} on one line, then:
 * <ul>
 *   <li>{@code AGENT}: the connection becomes a byte pipe to a new agent connection (vsock port
 *       1024), so {@code jvmm exec} speaks the agent protocol (guest-agent/PROTOCOL.md) end to end;
 *   <li>{@code ATTACH}: the server streams the workload's output as {@link WorkloadLog} records;
 *       bytes the client sends go to the workload's stdin (when it has one);
 *   <li>{@code STOP <grace-ms>}: a graceful poweroff through the agent; the process exits when the
 *       VM has ended, which is how the client sees it is done;
 *   <li>{@code STATUS}: {@code OK starting}, {@code OK ready} or {@code OK paused}, then the server closes;
 *   <li>{@code SNAPSHOT <dir>}: pauses the VM, writes a snapshot (with the VM's record and logs) to
 *       the absolute path {@code dir}, resumes it, and answers {@code OK <bytes written>} when done.
 *   <li>{@code LIMIT <disk|net-rx|net-tx> <spec>}: changes that rate limit of the running VM
 *       ({@code bw=SIZE,ops=N}, or {@code none}); {@code OK} once it applies.
 *   <li>{@code KILL <signo>}: sends that signal (1..64) to the workload; {@code ERR} when there is none.
 *   <li>{@code PAUSE}, {@code RESUME}: stop and restart the vCPUs (the guest does not notice); exec and
 *       attach input wait, a stop resumes first.
 * </ul>
 * The socket file is created with mode 0600: whoever can open it controls the VM.
 */
public final class ControlProtocol {
    public static final String AGENT = "AGENT";
    public static final String ATTACH = "ATTACH";
    public static final String STOP = "STOP";
    public static final String STATUS = "STATUS";
    public static final String SNAPSHOT = "SNAPSHOT";
    public static final String LIMIT = "LIMIT";
    public static final String KILL = "KILL";
    public static final String PAUSE = "PAUSE";
    public static final String RESUME = "RESUME";
    /** A snapshot directory's copy of the VM's record, so that a restore can rebuild its devices. */
    public static final String SNAPSHOT_RECORD = "jvmm-vm.json";
    /** A snapshot directory's copy of the workload's output so far. */
    public static final String SNAPSHOT_LOG = "workload.log";
    /** Requests are short; a longer line is a client bug or garbage. */
    static final int MAX_LINE = 4096;

    private ControlProtocol() {}
}
