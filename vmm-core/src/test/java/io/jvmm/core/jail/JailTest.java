package io.jvmm.core.jail;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.sys.ChildProcess;
import io.jvmm.kvm.sys.Landlock;
import io.jvmm.kvm.sys.Libc;
import io.jvmm.kvm.sys.ProcessSyscalls;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Confinement for real: a jailed child's files, a filtered JVM's system calls, a dropped uid. */
class JailTest {
    @TempDir
    Path dir;

    private static void assumeLandlock() {
        int abi = Landlock.abi();
        if (abi == 0) System.out.println("skipped: this kernel has no Landlock");
        assumeTrue(abi > 0, "this kernel has no Landlock");
    }

    @Test
    void aJailedChildReachesOnlyWhatItsPolicyAllows() throws Exception {
        assumeLandlock();
        Path allowed = Files.createDirectories(dir.resolve("allowed"));
        Files.writeString(allowed.resolve("ok"), "visible\n");
        Path secret = Files.writeString(dir.resolve("secret"), "hidden\n");
        Path out = dir.resolve("allowed/out");
        FilesystemPolicy policy = new FilesystemPolicy();
        for (String d : List.of("/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache"))
            policy.allow(Path.of(d), FileAccess.READ_EXECUTE);
        policy.allow(Path.of("/dev/null"), FileAccess.READ_WRITE_FILES); // the child's stdin
        policy.allow(allowed, FileAccess.OWN);
        int outFd = Libc.open(out.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC, 0600);
        Jail.Spawned s;
        try {
            s = Jail.spawn(
                    policy,
                    List.of(
                            "/bin/sh",
                            "-c",
                            "cat " + allowed.resolve("ok") + "; cat " + secret + "; echo made > "
                                    + allowed.resolve("new") + "; echo made > " + dir.resolve("outside")),
                    Map.of(1, outFd, 2, outFd),
                    false);
        } finally {
            Libc.close(outFd);
        }
        try (ChildProcess p = s.process()) {
            assertTrue(p.waitFor(Duration.ofSeconds(30)) >= 0);
        }
        assertEquals(Landlock.abi(), s.landlockAbi());
        String text = Files.readString(out);
        assertTrue(text.contains("visible"), text);
        assertTrue(!text.contains("hidden") && text.contains("Permission denied"), text);
        assertTrue(Files.exists(allowed.resolve("new")), "writing beneath an OWN path works");
        assertTrue(!Files.exists(dir.resolve("outside")), "creating a file outside the policy was refused");
        // The restriction stayed with the spawning thread, which is gone: this one still reads it.
        assertEquals("hidden\n", Files.readString(secret));
    }

    /**
     * A VM process serving shares under its policy: beneath a read-write share the file server's
     * operations work (directories, rename across them, hard and symbolic links, FIFOs, truncate,
     * remove); a read-only share reads and refuses writes; nothing else is reachable.
     */
    @Test
    void aSharesRightsFollowItsReadOnlyFlag() throws Exception {
        assumeLandlock();
        // ABI 1 refuses every rename into another directory, whatever the policy.
        assumeTrue(Landlock.abi() >= 2, "Landlock ABI 1 has no REFER");
        Path rw = Files.createDirectories(dir.resolve("rw")), ro = Files.createDirectories(dir.resolve("ro"));
        Files.writeString(ro.resolve("in"), "readable\n");
        Path out = dir.resolve("out");
        FilesystemPolicy policy = new FilesystemPolicy();
        for (String d : List.of("/usr", "/lib", "/lib64", "/bin", "/etc/ld.so.cache"))
            policy.allow(Path.of(d), FileAccess.READ_EXECUTE);
        policy.allow(Path.of("/dev/null"), FileAccess.READ_WRITE_FILES);
        policy.allowShare(rw, false, false).allowShare(ro, true, false);
        String script =
                "cd " + rw + " && mkdir a b && echo data > a/f && mv a/f b/g && ln b/g h && ln -s b/g s && mkfifo p"
                        + " && truncate -s 3 h && rm p s && rmdir a && echo rw-ok; cat " + ro.resolve("in")
                        + "; echo x > " + ro.resolve("new") + " || echo ro-refused; echo x > " + dir.resolve("outside")
                        + " || echo outside-refused";
        int outFd = Libc.open(out.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_CLOEXEC, 0600);
        Jail.Spawned s;
        try {
            s = Jail.spawn(policy, List.of("/bin/sh", "-c", script), Map.of(1, outFd, 2, outFd), false);
        } finally {
            Libc.close(outFd);
        }
        try (ChildProcess p = s.process()) {
            assertTrue(p.waitFor(Duration.ofSeconds(30)) >= 0);
        }
        String text = Files.readString(out);
        for (String want : List.of("rw-ok", "readable", "ro-refused", "outside-refused"))
            assertTrue(text.contains(want), want + " in:\n" + text);
        assertEquals("dat", Files.readString(rw.resolve("b/g")));
        assertTrue(!Files.exists(ro.resolve("new")) && !Files.exists(dir.resolve("outside")), text);
    }

    private List<String> childJvm(String... args) {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                ConfinedChild.class.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void theVmProcessFilterLetsAJvmWorkAndKillsItOnAForbiddenCall() throws Exception {
        int ptrace = 101;
        Process p = new ProcessBuilder(childJvm("seccomp", Integer.toString(ptrace), dir.toString()))
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes());
        int status = p.waitFor();
        assertTrue(output.contains("installed") && output.contains("still alive"), output);
        assertTrue(!output.contains("call returned"), "the forbidden call returned: " + output);
        assertEquals(128 + 31, status, "killed by SIGSYS: " + output);
    }

    @Test
    void anAllowedCallReturns() throws Exception {
        int getpid = 39;
        Process p = new ProcessBuilder(childJvm("seccomp", Integer.toString(getpid), dir.toString()))
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
        assertTrue(output.contains("call returned " + p.pid()), output);
    }

    /** A confined VM process serves virtio-fs shares: every call of the file server is on the list. */
    @Test
    void theFileServersCallsAreAllowed() throws Exception {
        Process p = new ProcessBuilder(childJvm("fileserver", dir.toString()))
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), "not killed by SIGSYS: " + output);
        assertTrue(output.contains("fileserver done"), output);
        for (String ok : List.of(
                "mkdirat 0",
                "mknodat 0",
                "symlinkat 0",
                "readlinkat 6",
                "linkat 0",
                "renameat2 0",
                "fchmodat 0",
                "fchmod 0",
                "utimensat 0",
                "fallocate 0",
                "ftruncate 0",
                "fsync 0",
                "fdatasync 0",
                "fstatat 0",
                "getdents64 1",
                "unlinkat 0",
                "rmdir 0")) {
            assertTrue(output.contains("\n" + ok + "\n"), ok + " in:\n" + output);
        }
    }

    @Test
    void droppedPrivilegesCannotReadRootsFiles() throws Exception {
        boolean root = ProcessSyscalls.geteuid() == 0;
        if (!root) System.out.println("skipped: dropping privileges needs root");
        assumeTrue(root, "dropping privileges needs root");
        Path secret = Files.writeString(dir.resolve("root-only"), "x");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Process p = new ProcessBuilder(childJvm("drop", "65534", "65534", secret.toString()))
                .redirectErrorStream(true)
                .start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
        assertEquals("denied", output.strip());
    }
}
