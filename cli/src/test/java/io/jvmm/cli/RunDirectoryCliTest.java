package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.Kvm;
import io.jvmm.kvm.sys.ProcessSyscalls;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import io.jvmm.runtime.vmproc.VmLaunch;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host directories through virtio-fs from the command line: a busybox root that is a plain directory
 * ({@code --rootfs DIR}), read-write and {@code --read-only}, and {@code -v ./dir:/data} bind mounts, in
 * a detached VM process confined by Landlock and seccomp (the FUSE server's calls must all pass). Two boots.
 */
@Tag("linux")
class RunDirectoryCliTest {
    @TempDir
    static Path home;

    private static VmStore store;
    private final CliRun cli = new CliRun();

    @BeforeAll
    static void setUp() throws Exception {
        assumeTrue(Kvm.isAvailable(), () -> "skipped: " + Kvm.unavailabilityCause());
        store = VmProcessHome.open(home);
    }

    @AfterAll
    static void tearDown() {
        VmProcessHome.close(store);
    }

    private int run(String... args) {
        return cli.run(args);
    }

    /** {@code dir} spelled relative to the working directory, as a user types {@code -v ./dir:/data}. */
    private static String relative(Path dir) {
        String r = Path.of("").toAbsolutePath().relativize(dir).toString();
        return r.startsWith("..") ? r : "./" + r;
    }

    @Test
    void aConfinedVmRunsOnADirectoryRootWithBindMounts() throws Exception {
        assumeTrue(
                ProcessSyscalls.geteuid() == 0,
                "skipped: the guest's chown passes through only when jvmm runs as root");
        Path root = VmProcessHome.busyboxTree(home.resolve("root"));
        Path data = Files.createDirectories(home.resolve("data"));
        Files.writeString(data.resolve("in.txt"), "from the host\n");
        Path ro = Files.createDirectories(home.resolve("ro"));
        Files.writeString(ro.resolve("keep.txt"), "keep\n");
        String spelled = relative(data);
        assertTrue(spelled.startsWith("./") || spelled.startsWith("../"), spelled);

        assertEquals(
                0,
                run(
                        "run",
                        "-d",
                        "--name",
                        "dirroot",
                        "--rootfs",
                        root.toString(),
                        "-v",
                        spelled + ":/data",
                        "--mount",
                        "type=bind,src=" + ro + ",dst=/ro,readonly",
                        "--",
                        "sleep",
                        "1000"),
                cli.err());
        VmRecord r = store.get(store.resolve("dirroot").id());
        String log =
                Files.readString(StateDirs.fromEnvironment().vmDataDir(r.id()).resolve(VmLaunch.VM_PROCESS_LOG));
        assertTrue(log.contains("seccomp filter installed"), log);
        assertEquals(
                0,
                run(
                        "exec",
                        "dirroot",
                        "--",
                        "sh",
                        "-c",
                        "set -e; echo on-root > /written-by-guest; cat /data/in.txt; echo out > /data/out.txt;"
                                + " mkdir /data/d; mv /data/out.txt /data/d/moved.txt; ln /data/d/moved.txt /data/hard;"
                                + " ln -s d/moved.txt /data/sym; chmod 600 /data/hard; mkfifo /data/fifo;"
                                + " dd if=/dev/zero of=/data/big bs=4096 count=64 2>/dev/null; truncate -s 100 /data/big;"
                                + " ls -l /data > /dev/null; df /data > /dev/null; rm /data/in.txt; cat /ro/keep.txt;"
                                + " touch -d '2020-01-02 03:04:05' /data/d/moved.txt; chown 1234:2345 /data/d/moved.txt;"
                                + " if echo x > /ro/new 2>/dev/null; then echo ro-written; fi;"
                                + " grep -c virtiofs /proc/mounts"),
                cli.err());
        assertEquals("from the host\nkeep\n3\n", cli.out());

        // The host directories hold what the guest did; the read-only one is unchanged.
        assertEquals("on-root\n", Files.readString(root.resolve("written-by-guest")));
        assertEquals("out\n", Files.readString(data.resolve("d/moved.txt")));
        assertEquals(
                Files.getAttribute(data.resolve("d/moved.txt"), "unix:ino"),
                Files.getAttribute(data.resolve("hard"), "unix:ino"));
        assertEquals(Path.of("d/moved.txt"), Files.readSymbolicLink(data.resolve("sym")));
        assertEquals(
                "rw-------",
                java.nio.file.attribute.PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(data.resolve("hard"))));
        assertTrue((boolean) Files.getAttribute(data.resolve("fifo"), "unix:isOther", LinkOption.NOFOLLOW_LINKS));
        assertEquals(100, Files.size(data.resolve("big")));
        assertEquals(
                Instant.parse("2020-01-02T03:04:05Z"),
                Files.getLastModifiedTime(data.resolve("hard")).toInstant());
        assertEquals(1234, Files.getAttribute(data.resolve("hard"), "unix:uid"));
        assertFalse(Files.exists(data.resolve("in.txt")));
        assertFalse(Files.exists(ro.resolve("new")));

        assertEquals(0, run("ps", "--format", "json"));
        assertTrue(cli.out().contains("\"Mounts\":\"" + data + "," + ro + "\""), cli.out());
        assertEquals(0, run("stop", "dirroot"), cli.err());
        assertEquals(0, run("rm", "dirroot"), cli.err());
        assertTrue(Files.isDirectory(data.resolve("d")), "rm leaves a bind's host directory alone");
        assertTrue(Files.isRegularFile(root.resolve("bin/busybox")), "rm leaves the root directory alone");
    }

    @Test
    void aReadOnlyDirectoryRootTakesWritesInTheOverlay() throws Exception {
        Path root = VmProcessHome.busyboxTree(home.resolve("ro-root"));
        String passwd = Files.readString(root.resolve("etc/passwd"));
        int status = run(
                "run",
                "--rm",
                "--read-only",
                "--rootfs",
                root.toString(),
                "--",
                "sh",
                "-c",
                "echo overlay > /new-file && cat /new-file && echo extra >> /etc/passwd && rm /bin/vi"
                        + " && head -1 /proc/mounts | cut -d' ' -f1-3");
        assertEquals(0, status, cli.err());
        assertEquals("overlay\noverlay / overlay\n", cli.out());
        assertFalse(Files.exists(root.resolve("new-file")));
        assertEquals(passwd, Files.readString(root.resolve("etc/passwd")));
        assertTrue(Files.exists(root.resolve("bin/vi"), LinkOption.NOFOLLOW_LINKS));
        assertTrue(store.list().stream().noneMatch(x -> x.image().equals(root.toString())), "--rm removed the record");
    }
}
