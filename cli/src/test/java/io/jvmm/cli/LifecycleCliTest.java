package io.jvmm.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jvmm.kvm.Kvm;
import io.jvmm.runtime.state.StateDirs;
import io.jvmm.runtime.state.VmRecord;
import io.jvmm.runtime.state.VmStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every lifecycle command end to end against real guests (project kernel, agent as init, busybox
 * root image): run -d, ps, exec, logs, attach's sibling paths, stop, rm, volumes, kill -9 of a VM
 * process, and the bad inputs. Slow where guest kernel code is emulated (kvm_pvm): three boots.
 */
@Tag("linux")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LifecycleCliTest {
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

    private int runWithInput(String stdin, String... args) {
        return cli.withInput(stdin, args);
    }

    private int run(String... args) {
        return cli.run(args);
    }

    private String out() {
        return cli.out();
    }

    private String err() {
        return cli.err();
    }

    /** By /proc/PID/comm: passt's executable link is unreadable once it has sandboxed itself. */
    private static boolean isPasst(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc/" + p.pid() + "/comm"))
                    .strip()
                    .startsWith("passt");
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** The body of {@code GET path} from 127.0.0.1:port, retried while the server comes up. */
    private static String httpGet(int port, String path) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        for (; ; ) {
            try (Socket s = new Socket("127.0.0.1", port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("GET " + path + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                int body = reply.indexOf("\r\n\r\n");
                if (reply.startsWith("HTTP/1.") && body > 0) return reply.substring(body + 4);
            } catch (IOException e) {
                // not listening yet
            }
            if (System.nanoTime() > deadline) throw new AssertionError("no HTTP answer on port " + port);
            Thread.sleep(200);
        }
    }

    @Test
    @Order(1)
    void runDetachedExecLogsStop() throws Exception {
        assertEquals(0, run("volume", "create", "--size", "32", "vol"), err());
        int port = freePort();
        assertEquals(
                0,
                run(
                        "run",
                        "-d",
                        "--name",
                        "e2e",
                        "-e",
                        "X=from-env",
                        "-v",
                        "vol:/data",
                        "-p",
                        port + ":8080",
                        "-i",
                        "--rootfs",
                        rootfs.toString(),
                        "--",
                        "sh",
                        "-c",
                        "echo started; echo warn >&2; while read l; do echo \"got $l\"; done"),
                err());
        String id = out().strip();
        assertTrue(VmRecord.isFullId(id), "run -d prints the id: " + out());

        assertEquals(0, run("ps"));
        assertTrue(out().contains("e2e") && out().contains("Up "), out());
        assertEquals(0, run("ps", "--format", "json"));
        assertTrue(out().contains("\"e2e\""), out());

        assertEquals(4, run("exec", "e2e", "--", "sh", "-c", "echo $X; exit 4"), err());
        assertEquals("from-env\n", out(), "-e reaches the workload's environment and exec's");
        assertEquals(
                4, run("exec", id.substring(0, 6), "--", "sh", "-c", "exit 4"), "an id prefix names the VM: " + err());
        assertEquals(127, run("exec", "e2e", "--", "no-such-program"));
        assertTrue(err().contains("no-such-program") && err().contains("not found"), err());
        assertEquals(
                0,
                runWithInput("some input\n", "exec", "-i", "e2e", "--", "sh", "-c", "cat > /data/f && cat /data/f"),
                err());
        assertEquals("some input\n", out());

        // passt's port forward, with the state home private (under a 0700 directory, as mktemp -d makes it).
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
        assertEquals(
                0,
                run("exec", "e2e", "--", "sh", "-c", "echo served > /data/index.html && httpd -p 8080 -h /data"),
                err());
        assertEquals("served\n", httpGet(port, "/index.html"));

        // cp both ways (a file through the agent's COPY_IN / COPY_OUT).
        Path hostFile = home.resolve("up.bin");
        byte[] blob = new byte[200_000];
        new Random(3).nextBytes(blob);
        Files.write(hostFile, blob);
        assertEquals(0, run("cp", hostFile.toString(), "e2e:/root/up.bin"), err());
        assertEquals(0, run("exec", "e2e", "--", "sh", "-c", "wc -c < /root/up.bin"), err());
        assertEquals("200000", out().strip());
        Path back = home.resolve("down.bin");
        assertEquals(0, run("cp", "e2e:/root/up.bin", back.toString()), err());
        org.junit.jupiter.api.Assertions.assertArrayEquals(blob, Files.readAllBytes(back));
        assertEquals(1, run("cp", "e2e:/no/such/file", back.toString()));
        assertTrue(
                err().startsWith("jvmm: cp e2e:/no/such/file: ")
                        && err().strip().lines().count() == 1,
                err());
        org.junit.jupiter.api.Assertions.assertArrayEquals(
                blob, Files.readAllBytes(back), "a failed copy leaves the target as it was");
        assertEquals(125, run("cp", hostFile.toString(), back.toString()));

        assertEquals(0, run("logs", "e2e"));
        assertEquals("started\n", out());
        assertEquals("warn\n", err());

        assertEquals(125, run("run", "-d", "--name", "e2e", "--rootfs", rootfs.toString(), "--", "true"));
        assertTrue(err().contains("already used"), err());
        assertEquals(1, store.list().size(), "nothing half-created");
        assertEquals(1, run("volume", "rm", "vol"));
        assertTrue(err().contains("in use"), err());

        // attach: the workload's live output here, our input to its stdin; Ctrl+] detaches.
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream attachIn = new PipedInputStream(keys);
        ByteArrayOutputStream attachOut = new ByteArrayOutputStream();
        int[] attachStatus = {-1};
        Thread attach = Thread.ofPlatform()
                .start(() -> attachStatus[0] = Jvmm.run(
                        new String[] {"attach", "e2e"},
                        attachOut,
                        attachIn,
                        new PrintStream(OutputStream.nullOutputStream())));
        keys.write("one\n".getBytes(StandardCharsets.UTF_8));
        keys.flush();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!attachOut.toString(StandardCharsets.UTF_8).contains("got one") && System.nanoTime() < deadline)
            Thread.sleep(20);
        assertTrue(attachOut.toString(StandardCharsets.UTF_8).contains("got one"), "attach output: " + attachOut);
        keys.write(AttachCommand.DETACH_KEY);
        keys.flush();
        attach.join(10_000);
        assertEquals(0, attachStatus[0], "Ctrl+] detaches");
        assertEquals(0, run("ps"));
        assertTrue(out().contains("e2e"), "the VM runs on after a detach: " + out());

        // logs -f follows until the VM ends.
        ByteArrayOutputStream followed = new ByteArrayOutputStream();
        Thread follow = Thread.ofPlatform()
                .start(() -> Jvmm.run(
                        new String[] {"logs", "-f", "e2e"},
                        followed,
                        new ByteArrayInputStream(new byte[0]),
                        new PrintStream(OutputStream.nullOutputStream())));
        Thread.sleep(300);
        assertTrue(follow.isAlive(), "logs -f returned while the VM runs");

        assertEquals(0, run("stop", "-t", "10", "e2e"), err());
        follow.join(15_000);
        assertFalse(follow.isAlive(), "logs -f did not end with the VM");
        assertTrue(followed.toString(StandardCharsets.UTF_8).contains("started\ngot one\n"), followed.toString());
        assertEquals(0, run("ps", "-a"));
        assertTrue(out().contains("Exited (143)"), out());
        assertEquals(125, run("exec", "e2e", "--", "true"));
        assertTrue(err().contains("not running"), err());
        assertEquals(0, run("rm", "e2e"), err());
        assertEquals(0, run("volume", "rm", "vol"), err());
        assertTrue(store.list().isEmpty());
    }

    @Test
    @Order(2)
    void aKilledVmProcessShowsAsExitedAndRmCleansUp() throws Exception {
        assertEquals(
                0,
                run(
                        "run",
                        "-d",
                        "--name",
                        "k9",
                        "-p",
                        freePort() + ":80",
                        "--rootfs",
                        rootfs.toString(),
                        "--",
                        "sleep",
                        "1000"),
                err());
        VmRecord r = store.resolve("k9");
        // A snapshot of the running VM, restored as a second VM that goes on from there, agent ready.
        assertEquals(0, run("exec", "k9", "--", "sh", "-c", "echo before-snapshot > /root/mark"), err());
        Path snap = home.resolve("snap");
        assertEquals(0, run("snapshot", "create", "k9", snap.toString()), err());
        assertEquals(125, run("snapshot", "create", "k9", snap.toString()));
        assertTrue(err().contains("not empty"), err());
        assertEquals(
                0, run("snapshot", "restore", "--name", "k9copy", "-p", freePort() + ":80", snap.toString()), err());
        assertEquals(0, run("exec", "k9copy", "--", "cat", "/root/mark"), err());
        assertEquals("before-snapshot\n", out());
        assertEquals(0, run("ps"));
        assertTrue(out().contains("k9copy") && out().contains("Up "), out());
        assertEquals(0, run("rm", "-f", "k9copy"), err());
        assertEquals(125, run("snapshot", "restore", home.toString()));
        assertTrue(err().contains("not a jvmm snapshot"), err());

        long pid = r.state().pid();
        // passt is started by the launcher (outside the VM process's confinement), here this JVM,
        // and ends when the VM process's end of its socket closes.
        List<ProcessHandle> passts = ProcessHandle.current()
                .children()
                .filter(LifecycleCliTest::isPasst)
                .toList();
        assertFalse(passts.isEmpty(), "no passt was started");
        String st = Files.readString(Path.of("/proc/" + pid + "/status"));
        assertTrue(
                st.contains("Seccomp:\t2") && st.contains("NoNewPrivs:\t1"),
                "the VM process is confined by default: " + st);
        new ProcessBuilder("kill", "-9", Long.toString(pid)).start().waitFor();
        ProcessHandle.of(pid).ifPresent(p -> p.onExit().join());
        assertEquals(0, run("ps", "-a"));
        assertTrue(out().contains("Exited (the VM process died)"), out());
        assertEquals(0, run("ps"));
        assertFalse(out().contains("k9"), "ps without -a shows running VMs only: " + out());
        assertEquals(0, run("rm", "k9"), err());
        StateDirs dirs = StateDirs.fromEnvironment();
        assertFalse(Files.exists(dirs.vmDataDir(r.id())));
        assertFalse(Files.exists(dirs.vmRunDir(r.id())));
        assertFalse(Files.exists(dirs.vmTempDir(r.id())));
        for (ProcessHandle p : passts) {
            assertTrue(
                    p.onExit().completeOnTimeout(null, 10, TimeUnit.SECONDS).join() != null || !p.isAlive(),
                    "passt " + p.pid() + " outlived its VM process");
        }
    }

    @Test
    @Order(3)
    void badInputIsOneLineAndLeavesNothing() throws Exception {
        assertEquals(125, run("run", "-d", "--rootfs", "/no/such.img", "--", "true"));
        assertTrue(err().startsWith("jvmm: ") && err().strip().lines().count() == 1, err());
        try (ServerSocket taken = new ServerSocket(0)) {
            assertEquals(
                    125,
                    run("run", "-d", "-p", taken.getLocalPort() + ":80", "--rootfs", rootfs.toString(), "--", "true"));
            assertTrue(err().contains("already in use"), err());
        }
        assertEquals(125, run("exec", "nope", "--", "true"));
        assertTrue(err().contains("no such VM"), err());
        assertEquals(125, run("run", "-d", "-v", "missing:/data", "--rootfs", rootfs.toString(), "--", "true"));
        assertTrue(err().contains("no such volume"), err());
        // A guest that is never ready in time: the error shows the console, nothing is left.
        assertEquals(125, run("run", "-d", "--ready-timeout", "1", "--rootfs", rootfs.toString(), "--", "true"));
        assertTrue(err().contains("not ready within 1 s"), err());
        assertTrue(err().strip().lines().count() == 1, err());
        assertTrue(store.list().isEmpty(), "nothing half-created: " + store.list());
    }

    /**
     * A squashfs root image (the agent finds the type in the superblock), made from the busybox tree
     * plus one file that only this image has, so what the workload reads came from the squashfs.
     */
    @Test
    @Order(4)
    void runsFromASquashfsRoot() throws Exception {
        assumeTrue(
                Files.isExecutable(Path.of("/usr/bin/mksquashfs")),
                "skipped: mksquashfs is not installed (apt-get install squashfs-tools; .ci/run does)");
        Path image = home.resolve("root.squashfs");
        // -noI -noD -noF -noX: uncompressed, because the guest kernel's decompression is emulated here.
        Process mk = new ProcessBuilder(
                        "mksquashfs",
                        rootfs.resolveSibling("rootfs").toString(),
                        image.toString(),
                        "-noappend",
                        "-all-root",
                        "-noI",
                        "-noD",
                        "-noF",
                        "-noX",
                        "-quiet",
                        "-p",
                        "/etc/jvmm-marker f 444 root root echo from-squashfs")
                .redirectErrorStream(true)
                .start();
        String log = new String(mk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(mk.waitFor() == 0, "mksquashfs failed: " + log);

        assertEquals(
                3,
                run(
                        "run",
                        "--rm",
                        "--rootfs",
                        image.toString(),
                        "--",
                        "sh",
                        "-c",
                        "cat /etc/jvmm-marker; echo x > /etc/written && cat /etc/written; exit 3"),
                err());
        assertEquals("from-squashfs\nx\n", out(), "read from the image; writes go to the overlay above it");
        assertTrue(store.list().isEmpty(), "--rm removed the VM: " + store.list());
    }
}
