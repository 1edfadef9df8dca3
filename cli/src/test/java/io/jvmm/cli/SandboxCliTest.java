package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.Kvm;
import io.jvmm.kvm.sys.Landlock;
import io.jvmm.kvm.sys.ProcessSyscalls;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import io.jvmm.runtime.vmproc.ControlProtocol;
import io.jvmm.runtime.vmproc.VmConfinement;
import io.jvmm.runtime.vmproc.VmLaunch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The detached VM process's confinement (docs/sandbox.md) against real guests: Landlock keeps it
 * from files outside its policy, seccomp kills it on a system call off its list (and ps says it
 * died), the opt-outs really opt out, and a VM process that drops to another user still runs its
 * VM's whole lifecycle. Three boots.
 */
@Tag("linux")
class SandboxCliTest {
    @TempDir
    static Path home;

    private static Path rootfs;
    private static VmStore store;
    private final CliRun cli = new CliRun();

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
        store = VmProcessHome.open(home);
        rootfs = VmProcessHome.busyboxRoot();
    }

    @AfterAll
    static void tearDown() {
        VmProcessHome.close(store);
    }

    @AfterEach
    void noSelfTest() {
        System.clearProperty(VmConfinement.SELF_TEST_PROPERTY);
    }

    private int run(String... args) {
        return cli.run(args);
    }

    private static String status(long pid) throws Exception {
        return Files.readString(Path.of("/proc/" + pid + "/status"));
    }

    private static String processLog(String id) throws Exception {
        return Files.readString(StateDirs.fromEnvironment().vmDataDir(id).resolve(VmLaunch.VM_PROCESS_LOG));
    }

    /** Asks the VM process to run its self-test now, and waits for its outcome in the log (or its death). */
    private static void selfTest(VmRecord r, String expectInLog) throws Exception {
        Files.createFile(StateDirs.fromEnvironment().vmDataDir(r.id()).resolve(VmConfinement.SELF_TEST_TRIGGER));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!processLog(r.id()).contains(expectInLog)
                && ProcessHandle.of(r.state().pid()).map(ProcessHandle::isAlive).orElse(false)) {
            if (System.nanoTime() > deadline) throw new AssertionError("no self-test outcome: " + processLog(r.id()));
            Thread.sleep(50);
        }
    }

    @Test
    void aConfinedVmProcessCannotOpenOtherFilesAndDiesOnAForbiddenCall() throws Exception {
        assumeTrue(Landlock.abi() > 0, "skipped: this kernel has no Landlock");
        Path outside = Files.writeString(home.resolve("not-for-the-vm.txt"), "secret");
        int ptrace = 101;
        System.setProperty(
                VmConfinement.SELF_TEST_PROPERTY, "open=" + outside + ";open=" + rootfs + ";syscall=" + ptrace);
        assertEquals(
                0,
                run("run", "-d", "--name", "jailed", "--rootfs", rootfs.toString(), "--", "sleep", "1000"),
                cli.err());
        VmRecord r = store.get(store.resolve("jailed").id());
        String st = status(r.state().pid());
        assertTrue(st.contains("Seccomp:\t2") && st.contains("NoNewPrivs:\t1"), st);
        assertTrue(processLog(r.id()).contains("seccomp filter installed"), processLog(r.id()));

        // The guest and the host side still work under the filter: exec over vsock, the disk.
        assertEquals(0, run("exec", "jailed", "--", "sh", "-c", "echo ok > /tmp/f && cat /tmp/f"), cli.err());
        assertEquals("ok\n", cli.out());

        // jcmd (or jstack) must not trip the filter: the JVM's attach listener would open a socket,
        // a call off the list. With the attach mechanism off, jcmd fails, its SIGQUIT makes the JVM
        // print a thread dump to the VM process's log, and the VM carries on.
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        assumeTrue(Files.isExecutable(jcmd), "skipped: this JDK has no jcmd");
        Process attach = new ProcessBuilder(
                        jcmd.toString(), Long.toString(r.state().pid()), "VM.version")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertTrue(attach.waitFor(60, TimeUnit.SECONDS), "jcmd hung");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!processLog(r.id()).contains("Full thread dump")) {
            assertTrue(
                    System.nanoTime() < deadline
                            && ProcessHandle.of(r.state().pid()).isPresent(),
                    "no thread dump, or the VM process died: " + processLog(r.id()));
            Thread.sleep(50);
        }
        assertEquals(0, run("exec", "jailed", "--", "true"), cli.err());

        selfTest(r, "self-test system call");
        ProcessHandle.of(r.state().pid())
                .ifPresent(p -> assertTrue(
                        p.onExit().completeOnTimeout(null, 60, TimeUnit.SECONDS).join() != null,
                        "the VM process survived a forbidden system call"));
        String log = processLog(r.id());
        assertTrue(log.contains("self-test open " + outside + ": AccessDeniedException"), log);
        assertTrue(log.contains("self-test open " + rootfs + ": opened"), log);
        assertTrue(!log.contains("self-test system call " + ptrace + ":"), "the forbidden call returned: " + log);
        assertEquals(0, run("ps", "-a"));
        assertTrue(cli.out().contains("Exited (the VM process died)"), cli.out());
        assertEquals(0, run("rm", "jailed"), cli.err());
    }

    @Test
    void unconfinedMeansUnconfined() throws Exception {
        Path outside = Files.writeString(home.resolve("readable.txt"), "x");
        System.setProperty(VmConfinement.SELF_TEST_PROPERTY, "open=" + outside + ";syscall=" + 39);
        assertEquals(
                0,
                run(
                        "run",
                        "-d",
                        "--name",
                        "free",
                        "--security-opt",
                        "landlock=unconfined",
                        "--security-opt",
                        "seccomp=unconfined",
                        "--rootfs",
                        rootfs.toString(),
                        "--",
                        "sleep",
                        "1000"),
                cli.err());
        VmRecord r = store.get(store.resolve("free").id());
        assertTrue(
                status(r.state().pid()).contains("Seccomp:\t0"),
                status(r.state().pid()));
        selfTest(r, "self-test system call 39");
        String log = processLog(r.id());
        assertTrue(log.contains("self-test open " + outside + ": opened"), log);
        assertTrue(log.contains("self-test system call 39: " + r.state().pid()), log);
        assertEquals(0, run("rm", "-f", "free"), cli.err());
    }

    @Test
    void aVmProcessThatDropsToAnotherUserRunsTheWholeLifecycle() throws Exception {
        boolean root = ProcessSyscalls.geteuid() == 0;
        if (!root) System.out.println("skipped: vmm-user needs root");
        assumeTrue(root, "vmm-user needs root");
        // A state home others may pass through (as /var/lib is), not list.
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx--x--x"));
        assertEquals(
                0,
                run(
                        "run",
                        "-d",
                        "--name",
                        "nobody",
                        "--security-opt",
                        "vmm-user=65534:65534",
                        "--rootfs",
                        rootfs.toString(),
                        "--",
                        "sh",
                        "-c",
                        "echo hi; sleep 1000"),
                cli.err());
        VmRecord r = store.get(store.resolve("nobody").id());
        String st = status(r.state().pid());
        assertTrue(
                st.contains("Uid:\t65534\t65534\t65534\t65534") && st.contains("Gid:\t65534\t65534\t65534\t65534"), st);
        assertTrue(st.contains("Seccomp:\t2"), st);
        assertEquals(0, run("exec", "nobody", "--", "echo", "exec ok"), cli.err());
        assertEquals("exec ok\n", cli.out());
        Path snap = home.resolve("snap");
        assertEquals(0, run("snapshot", "create", "nobody", snap.toString()), cli.err());
        assertTrue(Files.isRegularFile(snap.resolve(ControlProtocol.SNAPSHOT_RECORD)));
        assertEquals(0, run("logs", "nobody"), cli.err());
        assertEquals("hi\n", cli.out());
        assertEquals(0, run("stop", "nobody"), cli.err());
        assertEquals(0, run("ps", "-a"));
        assertTrue(
                cli.out().contains("nobody")
                        && cli.out().contains("Exited (")
                        && !cli.out().contains("died"),
                "the VM process recorded how the VM ended: " + cli.out());
        assertEquals(0, run("rm", "nobody"), cli.err());
    }

    @Test
    void badSecurityOptionsAreRefused() {
        assertEquals(
                125, run("run", "-d", "--security-opt", "seccomp=off", "--rootfs", rootfs.toString(), "--", "true"));
        assertTrue(cli.err().contains("seccomp: expected default or unconfined"), cli.err());
        assertEquals(
                125,
                run("run", "-d", "--security-opt", "apparmor=unconfined", "--rootfs", rootfs.toString(), "--", "true"));
        assertTrue(cli.err().contains("unknown security option \"apparmor\""), cli.err());
        assertEquals(
                125,
                run("run", "-d", "--security-opt", "vmm-user=nobody", "--rootfs", rootfs.toString(), "--", "true"));
        assertTrue(cli.err().contains("vmm-user: expected UID:GID"), cli.err());
        assertEquals(
                125, run("run", "--security-opt", "seccomp=unconfined", "--rootfs", rootfs.toString(), "--", "true"));
        assertTrue(cli.err().contains("add -d"), cli.err());
    }
}
