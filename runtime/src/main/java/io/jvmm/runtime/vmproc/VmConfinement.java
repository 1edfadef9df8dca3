package io.jvmm.runtime.vmproc;

import io.jvmm.core.jail.Jail;
import io.jvmm.core.jail.SeccompProgram;
import io.jvmm.core.jail.SyscallAllowList;
import io.jvmm.kvm.sys.Seccomp;
import io.jvmm.runtime.PrivateFiles;
import io.jvmm.runtime.state.SecurityOptions;
import io.jvmm.runtime.state.VmStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a detached VM process does once its VM is built and before the guest runs: drop to the
 * {@code vmm-user} (keeping the store's lock file open, as it may not open it again), then install
 * the seccomp filter on every thread. Its files were confined from the start ({@link VmProcessPolicy}).
 */
public final class VmConfinement implements Runnable {
    /**
     * Checks for tests, run once the VM is ready and the file {@value #SELF_TEST_TRIGGER} appears in
     * its data directory: {@code open=PATH} opens a file and logs the outcome, {@code syscall=NR}
     * makes that system call (a forbidden one ends the process); separated by {@code ;}.
     */
    public static final String SELF_TEST_PROPERTY = "jvmm.vmProcess.selfTest";

    public static final String SELF_TEST_TRIGGER = "self-test.go";
    /** {@code JVMM_SECCOMP=log}: the filter logs calls off the list instead of killing (for measuring it). */
    static final String SECCOMP_MODE_ENV = "JVMM_SECCOMP";

    private final SecurityOptions options;
    private final VmStore store;
    private final Path dataDir;
    private final Path runDir;

    VmConfinement(SecurityOptions options, VmStore store, Path dataDir, Path runDir) {
        this.options = options;
        this.store = store;
        this.dataDir = dataDir;
        this.runDir = runDir;
    }

    @Override
    public void run() {
        // Read while the class path is still readable: after a drop it may not be.
        SyscallAllowList list = SyscallAllowList.vmProcess();
        boolean log = "log".equals(System.getenv(SECCOMP_MODE_ENV));
        SeccompProgram program = log ? list.program(SeccompProgram.RET_LOG) : list.program();
        if (options.dropsPrivileges()) {
            store.holdLockFileOpen();
            giveAway(dataDir); // what this process made since the launcher gave the rest: its logs, ctl.sock
            giveAway(runDir);
            Jail.dropPrivileges(options.uid(), options.gid());
            System.err.println("jvmm: VM process now runs as " + options.uid() + ":" + options.gid());
        }
        if (options.seccomp()) {
            // Log mode, for measuring the list (scripts/seccomp-profile.sh --audit): calls off it
            // proceed and the kernel logs them (audit type 1326).
            Jail.confineSystemCalls(program);
            System.err.println(
                    "jvmm: seccomp filter installed (" + list.numbers().size() + " system calls allowed"
                            + (log ? "; others logged, not refused" : "") + ")");
        } else {
            System.err.println("jvmm: seccomp=unconfined: no system call filter");
        }
    }

    private void giveAway(Path dir) {
        try {
            PrivateFiles.giveTree(dir, options.uid(), options.gid());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot give " + dir + " to " + options.uid() + ":" + options.gid(), e);
        }
    }

    /** Starts the self-test's thread when {@value #SELF_TEST_PROPERTY} asks for checks. */
    void startSelfTestIfAsked() {
        String checks = System.getProperty(SELF_TEST_PROPERTY);
        if (checks == null) return;
        Thread.ofPlatform().daemon().name("confinement-self-test").start(() -> {
            try {
                while (!Files.exists(dataDir.resolve(SELF_TEST_TRIGGER))) Thread.sleep(50);
                selfTest(checks);
            } catch (InterruptedException ignored) {
                // the VM is ending
            }
        });
    }

    private static void selfTest(String checks) {
        for (String check : checks.split(";")) {
            if (check.startsWith("open=")) {
                Path p = Path.of(check.substring(5));
                String outcome;
                try (InputStream in = Files.newInputStream(p)) {
                    outcome = "opened";
                } catch (IOException e) {
                    outcome = e.getClass().getSimpleName() + ": " + e.getMessage();
                }
                System.err.println("jvmm: self-test open " + p + ": " + outcome);
            } else if (check.startsWith("syscall=")) {
                int nr = Integer.parseInt(check.substring(8));
                System.err.println("jvmm: self-test system call " + nr + ": " + Seccomp.probe(nr));
            }
        }
    }
}
